using System.Buffers;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Metadata;

namespace Personalization.Silo.Gateway;

/// <summary>
/// A 200 whose JSON body the source-generated serializer writes in one synchronous pass over the value, sent with its
/// <c>Content-Length</c> in a single write.
/// </summary>
/// <remarks>
/// <para>
/// <c>TypedResults.Ok</c> serializes asynchronously, and System.Text.Json keeps the generated fast path for async
/// serialization only while every answer of a type stays under half its <c>DefaultBufferSize</c> (8 KB): the first
/// larger one turns the fast path off for the life of the process, and the rows page (14 KB) did. The resumable path
/// then built a write stack and boxed a list enumerator per row on every page. Written synchronously the fast path
/// always holds.
/// </para>
/// <para>
/// Kestrel fixes a response's headers at the first write to its body, so a body written straight into the response
/// pipe has no length yet and goes out chunked: the answer, then the closing empty chunk, two socket sends and two
/// segments for the client to wait for. Written first into a per-thread buffer, the answer's length is known before
/// the headers: one send, as for any fixed body, and nothing more for the client to parse.
/// </para>
/// </remarks>
/// <typeparam name="T">The body's type, one of <see cref="GatewayJsonContext"/>'s.</typeparam>
internal sealed class GeneratedJsonResult<T>(T value, JsonTypeInfo<T> typeInfo)
    : GeneratedJsonAnswer<T>(value, typeInfo, StatusCodes.Status200OK), IEndpointMetadataProvider
{
    /// <summary>Declares the 200 and its body type for OpenAPI, as <c>Ok&lt;T&gt;</c> does.</summary>
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Declare(builder, StatusCodes.Status200OK);
}

/// <summary>A 202 whose JSON body is written as <see cref="GeneratedJsonResult{T}"/>'s is: in one send, with its length.</summary>
/// <typeparam name="T">The body's type, one of <see cref="GatewayJsonContext"/>'s.</typeparam>
internal sealed class GeneratedJsonAccepted<T>(T value, JsonTypeInfo<T> typeInfo)
    : GeneratedJsonAnswer<T>(value, typeInfo, StatusCodes.Status202Accepted), IEndpointMetadataProvider
{
    /// <summary>Declares the 202 and its body type for OpenAPI, as <c>Accepted&lt;T&gt;</c> does.</summary>
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Declare(builder, StatusCodes.Status202Accepted);
}

/// <summary>
/// What the generated answers share: the body and its status, sent through <see cref="ResponseBuffer.Send"/>. Each
/// status is its own sealed type because OpenAPI reads a result's status from its type (a static member).
/// </summary>
/// <typeparam name="T">The body's type, one of <see cref="GatewayJsonContext"/>'s.</typeparam>
internal abstract class GeneratedJsonAnswer<T> : IResult, IStatusCodeHttpResult, IValueHttpResult<T>
{
    private readonly JsonTypeInfo<T> _typeInfo;
    private readonly int _statusCode;

    private protected GeneratedJsonAnswer(T value, JsonTypeInfo<T> typeInfo, int statusCode)
    {
        Value = value;
        _typeInfo = typeInfo;
        _statusCode = statusCode;
    }

    /// <summary>The body.</summary>
    public T? Value { get; }

    /// <summary>The answer's status, fixed by its type.</summary>
    public int? StatusCode => _statusCode;

    /// <inheritdoc />
    public Task ExecuteAsync(HttpContext httpContext)
    {
        ResponseBuffer.Send(httpContext.Response, _statusCode, Value!, _typeInfo);
        return Task.CompletedTask;
    }

    /// <summary>Declares <paramref name="statusCode"/> with a JSON body of <typeparamref name="T"/> for OpenAPI.</summary>
    private protected static void Declare(EndpointBuilder builder, int statusCode)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(statusCode, typeof(T), ["application/json"]));
    }
}

/// <summary>Creates <see cref="GeneratedJsonResult{T}"/> and <see cref="GeneratedJsonAccepted{T}"/>.</summary>
internal static class GeneratedJson
{
    /// <summary>A 200 with <paramref name="value"/> written by <paramref name="typeInfo"/>'s generated serializer.</summary>
    public static GeneratedJsonResult<T> Ok<T>(T value, JsonTypeInfo<T> typeInfo) => new(value, typeInfo);

    /// <summary>A 202 with <paramref name="value"/> written by <paramref name="typeInfo"/>'s generated serializer.</summary>
    public static GeneratedJsonAccepted<T> Accepted<T>(T value, JsonTypeInfo<T> typeInfo) => new(value, typeInfo);
}

/// <summary>
/// The per-thread buffer and JSON writer that the generated answers (<see cref="GeneratedJsonResult{T}"/>,
/// <see cref="GeneratedJsonAccepted{T}"/>) are serialized into before their length is known. Synchronous use only: neither may live across an await.
/// </summary>
internal static class ResponseBuffer
{
    /// <summary>A buffer that grew past this for one large answer is dropped rather than kept by its thread.</summary>
    internal const int RetainedBytes = 64 * 1024;

    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>
    /// Answers <paramref name="statusCode"/> with <paramref name="value"/> as JSON and its <c>Content-Length</c>: serialized
    /// here first, then copied into Kestrel's pipe, which the request's end flushes with the headers in one send.
    /// </summary>
    public static void Send<T>(HttpResponse response, int statusCode, T value, JsonTypeInfo<T> typeInfo)
    {
        response.StatusCode = statusCode;
        response.ContentType = "application/json; charset=utf-8";
        var body = Rent();
        try
        {
            Serialize(body, value, typeInfo);
            response.ContentLength = body.WrittenCount;
            response.BodyWriter.Write(body.WrittenSpan);
        }
        finally
        {
            Return(body);
        }
    }

    /// <summary>This thread's empty buffer (taken from it until <see cref="Return"/>, so a nested use gets its own).</summary>
    public static ArrayBufferWriter<byte> Rent()
    {
        var buffer = t_buffer ?? new ArrayBufferWriter<byte>(4096);
        t_buffer = null;
        return buffer;
    }

    /// <summary>Gives the buffer back to this thread, emptied, unless an answer made it larger than <see cref="RetainedBytes"/>.</summary>
    public static void Return(ArrayBufferWriter<byte> buffer)
    {
        if (buffer.Capacity > RetainedBytes) return;
        buffer.ResetWrittenCount();
        t_buffer = buffer;
    }

    /// <summary>Appends <paramref name="value"/> as JSON to <paramref name="buffer"/> through the generated serializer.</summary>
    public static void Serialize<T>(IBufferWriter<byte> buffer, T value, JsonTypeInfo<T> typeInfo)
    {
        // One writer per thread, pointed at each answer's buffer in turn (as the serializer's own writer cache does),
        // then at Stream.Null so it holds no buffer between answers.
        var writer = t_writer;
        t_writer = null;
        if (writer is null) writer = new Utf8JsonWriter(buffer, WriterOptions);
        else writer.Reset(buffer);
        try
        {
            JsonSerializer.Serialize(writer, value, typeInfo);
            writer.Flush();
        }
        finally
        {
            writer.Reset(Stream.Null);
            t_writer = writer;
        }
    }
}
