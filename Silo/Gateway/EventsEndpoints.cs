using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Personalization.Contracts;
using Personalization.Grains;
using Personalization.Streaming.Kafka;

namespace Personalization.Silo.Gateway;

/// <summary><c>POST /v1/events</c>: validate, write to Kafka, answer 202 once every event is acknowledged.</summary>
public static class EventsEndpoints
{
    /// <summary>Maps the endpoint.</summary>
    public static IEndpointRouteBuilder MapEventsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/events", PostEventsAsync)
            .WithName("PostEvents")
            .WithSummary("Record interaction events (one object or an array).")
            .Accepts<InteractionEvent[]>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<Results<GeneratedJsonAccepted<EventsAccepted>, ValidationProblem, ProblemHttpResult>> PostEventsAsync(
        HttpContext http, EventProducer producer, IOptions<GatewayOptions> options, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        if (http.Request.ContentLength > limits.MaxRequestBodyBytes)
            return TooLarge(limits);
        JsonDocument document;
        try
        {
            using var body = new LimitedStream(http.Request.Body, limits.MaxRequestBodyBytes);
            document = await JsonDocument.ParseAsync(body, new JsonDocumentOptions { MaxDepth = 16 }, cancellationToken);
        }
        catch (JsonException ex)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["$"] = [$"The body is not valid JSON: {ex.Message}"] }, title: "Invalid events");
        }
        catch (LimitedStream.LimitExceededException)
        {
            return TooLarge(limits);
        }
        using (document)
        {
            var (events, errors) = EventValidator.Validate(document.RootElement, limits.MaxEventsPerRequest, time.GetUtcNow());
            if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Invalid events", detail: "No event of this request was recorded.");
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(limits.EventWriteTimeout);
            try
            {
                await Task.WhenAll(events.Select(e => producer.ProduceAsync(StreamTopics.Interactions, e.UserId,
                    JsonSerializer.SerializeToUtf8Bytes(e, GrainsJsonContext.Default.InteractionEvent), deadline.Token)));
            }
            catch (EventLogUnavailableException ex)
            {
                return Unavailable(ex.Message);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return Unavailable($"Kafka did not acknowledge every event within {limits.EventWriteTimeout.TotalSeconds:0.#} s.");
            }

            ProblemHttpResult Unavailable(string reason)
            {
                loggers.CreateLogger("Personalization.Gateway").LogWarning("Kafka did not acknowledge events: {Reason}", reason);
                http.Response.Headers.RetryAfter = "1";
                // Some events may be written: a retry with the same event ids applies each once.
                return TypedResults.Problem(statusCode: 503, title: "The event log did not acknowledge the events; retry with the same event ids.",
                    detail: reason);
            }
            return GeneratedJson.Accepted(new EventsAccepted(events.Count), GatewayJsonContext.Default.EventsAccepted);
        }
    }

    private static ProblemHttpResult TooLarge(GatewayOptions limits) =>
        TypedResults.Problem(statusCode: 413, title: "Request body too large", detail: $"At most {limits.MaxRequestBodyBytes} bytes.");
}

/// <summary>A read-only stream that fails once more than a set number of bytes were read.</summary>
internal sealed class LimitedStream(Stream inner, long limit) : Stream
{
    private long _read;

    public sealed class LimitExceededException : Exception;

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(int read)
    {
        _read += read;
        if (_read > limit) throw new LimitExceededException();
        return read;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
