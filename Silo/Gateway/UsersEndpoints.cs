using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Personalization.Contracts;
using Personalization.Grains;

namespace Personalization.Silo.Gateway;

/// <summary>User endpoints: answered by the user's grain, wherever in the cluster Orleans placed it.</summary>
public static class UsersEndpoints
{
    /// <summary>Maps the endpoints.</summary>
    public static IEndpointRouteBuilder MapUsersEndpoints(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/v1/users/{userId}")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        users.MapGet("/recommendations", GetRecommendationsAsync).WithName("GetRecommendations")
            .WithSummary("Top items for the user, excluding what they played or rated.");
        users.MapGet("/rows", GetRowsAsync).WithName("GetRows")
            .WithSummary("The user's home page rows, shaped by device (default: from the User-Agent) and local hour (default: the silo's clock).");
        users.MapGet("/", GetUserAsync).WithName("GetUser").WithSummary("The user's grain state: interaction count, recent events, model version.");
        return app;
    }

    private static async Task<Results<GeneratedJsonResult<RecommendationsResponse>, ValidationProblem>> GetRecommendationsAsync(
        string userId, KeyedGrains<IUserGrain> users, IOptions<GatewayOptions> options, int k = 20)
    {
        Dictionary<string, string[]>? errors = null;
        Check(ref errors, "userId", EventValidator.IdProblem(userId));
        Check(ref errors, "k", k < 1 || k > options.Value.MaxK ? $"Must be from 1 to {options.Value.MaxK}." : null);
        if (errors is not null) return TypedResults.ValidationProblem(errors);
        return GeneratedJson.Ok(await users.Get(userId).GetRecommendationsAsync(k), GatewayJsonContext.Default.RecommendationsResponse);
    }

    private static async Task<Results<GeneratedJsonResult<RowsResponse>, ValidationProblem>> GetRowsAsync(
        string userId, KeyedGrains<IUserGrain> users, IOptions<GatewayOptions> options, Grains.Serving.ServingClock clock, HttpRequest http,
        int rows = 6, int perRow = 20, string? device = null, int? hour = null)
    {
        var limits = options.Value;
        Dictionary<string, string[]>? errors = null;
        Check(ref errors, "userId", EventValidator.IdProblem(userId));
        Check(ref errors, "rows", rows < 1 || rows > limits.MaxRows ? $"Must be from 1 to {limits.MaxRows}." : null);
        Check(ref errors, "perRow", perRow < 1 || perRow > limits.MaxPerRow ? $"Must be from 1 to {limits.MaxPerRow}." : null);
        Check(ref errors, "device", device is not null && !EventValidator.Devices.Contains(device) ? $"Must be one of {string.Join(", ", EventValidator.Devices)}." : null);
        Check(ref errors, "hour", hour is < 0 or > 23 ? "Must be the user's local hour, from 0 to 23." : null);
        if (errors is not null) return TypedResults.ValidationProblem(errors);
        // Unstated context comes from the request: the device from its User-Agent, the hour from the silo's clock.
        var request = new RowsRequest(rows, perRow, device ?? RequestContext.DeviceFrom(http.Headers.UserAgent), hour ?? clock.LocalHour);
        return GeneratedJson.Ok(await users.Get(userId).GetRowsAsync(request), GatewayJsonContext.Default.RowsResponse);
    }

    private static async Task<Results<GeneratedJsonResult<UserView>, ValidationProblem>> GetUserAsync(string userId, KeyedGrains<IUserGrain> users, int recent = 20)
    {
        Dictionary<string, string[]>? errors = null;
        Check(ref errors, "userId", EventValidator.IdProblem(userId));
        Check(ref errors, "recent", recent < 0 || recent > 100 ? "Must be from 0 to 100." : null);
        if (errors is not null) return TypedResults.ValidationProblem(errors);
        return GeneratedJson.Ok(await users.Get(userId).GetViewAsync(recent), GatewayJsonContext.Default.UserView);
    }

    internal static void Check(Dictionary<string, string[]> errors, string field, string? problem)
    {
        if (problem is not null) errors[field] = [problem];
    }

    /// <summary>Adds a field's problem, creating the dictionary on the first: a valid request, nearly every one, allocates none.</summary>
    internal static void Check(ref Dictionary<string, string[]>? errors, string field, string? problem)
    {
        if (problem is not null) (errors ??= [])[field] = [problem];
    }
}
