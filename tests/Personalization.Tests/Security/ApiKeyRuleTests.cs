using Microsoft.AspNetCore.Http;
using Personalization.Silo.Security;

namespace Personalization.Tests.Security;

/// <summary>Which requests need which key: by path and verb, so endpoint groups mapped elsewhere are covered too.</summary>
public sealed class ApiKeyRuleTests
{
    private static ApiKeyRole? Required(string method, string path, ApiKeyRole? metadata = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        if (metadata is { } role)
            context.SetEndpoint(new Endpoint(_ => Task.CompletedTask, new EndpointMetadataCollection(new ApiKeyRequirement(role)), "test"));
        return ApiKeyMiddleware.RequiredRole(context);
    }

    [Theory]
    [InlineData("POST", "/v1/events", ApiKeyRole.User)]
    [InlineData("PUT", "/v1/items/i1", ApiKeyRole.User)]
    [InlineData("DELETE", "/v1/items/i1", ApiKeyRole.User)]
    [InlineData("POST", "/v1/experiments", ApiKeyRole.User)]
    [InlineData("PATCH", "/v1/experiments/e1", ApiKeyRole.User)]
    [InlineData("POST", "/v1/admin/train", ApiKeyRole.Admin)]
    [InlineData("GET", "/v1/admin/models", ApiKeyRole.Admin)]
    [InlineData("GET", "/V1/Admin/train/r1", ApiKeyRole.Admin)]
    [InlineData("GET", "/v1/users/u1/rows", null)]
    [InlineData("GET", "/v1/experiments", null)]
    [InlineData("HEAD", "/v1/items/i1", null)]
    [InlineData("GET", "/healthz", null)]
    [InlineData("GET", "/v1/administrators", null)]
    public void Writes_need_a_user_key_and_admin_paths_an_admin_key(string method, string path, ApiKeyRole? expected) =>
        Assert.Equal(expected, Required(method, path));

    [Fact]
    public void Endpoint_metadata_can_require_a_key_on_a_read() =>
        Assert.Equal(ApiKeyRole.Admin, Required("GET", "/v1/experiments/e1/exposures", ApiKeyRole.Admin));
}
