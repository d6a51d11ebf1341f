using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Metadata;

namespace Personalization.Silo.Gateway;

/// <summary>
/// A 200 whose JSON body the source-generated serializer writes straight into the response's pipe, in one synchronous
/// pass over the value, then one flush.
/// </summary>
/// <remarks>
/// <c>TypedResults.Ok</c> serializes asynchronously, and System.Text.Json keeps the generated fast path for async
/// serialization only while every answer of a type stays under half its <c>DefaultBufferSize</c> (8 KB): the first
/// larger one turns the fast path off for the life of the process, and the rows page (14 KB) did. The resumable path
/// then built a write stack and boxed a list enumerator per row on every page. Written synchronously the fast path
/// always holds, and the body waits in the pipe's pooled segments until the flush.
/// </remarks>
/// <typeparam name="T">The body's type, one of <see cref="GatewayJsonContext"/>'s.</typeparam>
internal sealed class GeneratedJsonResult<T> : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IValueHttpResult<T>
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };
    private readonly JsonTypeInfo<T> _typeInfo;

    internal GeneratedJsonResult(T value, JsonTypeInfo<T> typeInfo)
    {
        Value = value;
        _typeInfo = typeInfo;
    }

    /// <summary>The body.</summary>
    public T? Value { get; }

    /// <summary>Always 200.</summary>
    public int? StatusCode => StatusCodes.Status200OK;

    /// <inheritdoc />
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        Write(response.BodyWriter);
        await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
    }

    // One writer per thread, pointed at each answer's pipe in turn (as the serializer's own writer cache does), then at
    // Stream.Null so it holds no connection between answers. Synchronous: a writer cannot live across an await.
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private void Write(System.IO.Pipelines.PipeWriter body)
    {
        var writer = t_writer;
        if (writer is null) t_writer = writer = new Utf8JsonWriter(body, WriterOptions);
        else writer.Reset(body);
        try
        {
            JsonSerializer.Serialize(writer, Value!, _typeInfo);
            writer.Flush();
        }
        finally
        {
            writer.Reset(Stream.Null);
        }
    }

    /// <summary>Declares the 200 and its body type for OpenAPI, as <c>Ok&lt;T&gt;</c> does.</summary>
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(T), ["application/json"]));
    }
}

/// <summary>Creates <see cref="GeneratedJsonResult{T}"/>.</summary>
internal static class GeneratedJson
{
    /// <summary>A 200 with <paramref name="value"/> written by <paramref name="typeInfo"/>'s generated serializer.</summary>
    public static GeneratedJsonResult<T> Ok<T>(T value, JsonTypeInfo<T> typeInfo) => new(value, typeInfo);
}
