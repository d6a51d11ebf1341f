using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Personalization.Streaming;
using Personalization.Silo.Telemetry;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.Tracing;

/// <summary>One trace id through every hop: the gateway's request span, the Kafka produce span, the span applying the record to its grain, and grain calls.</summary>
[Collection(SharedSiloCollection.Name)]
public sealed class TraceContextTests(SharedSiloFixture fixture) : IDisposable
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => TelemetryExtensions.Sources.Contains(source.Name),
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    private TestSilo Silo => fixture.Silo;

    private void Listen()
    {
        _listener.ActivityStopped = _spans.Enqueue;
        ActivitySource.AddActivityListener(_listener);
    }

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    private IEnumerable<Activity> SpansOf(ActivityTraceId trace) => _spans.Where(s => s.TraceId == trace);

    /// <summary>Waits for a span of the trace (spans are reported when they stop, which may follow the response).</summary>
    private async Task<Activity> SpanAsync(ActivityTraceId trace, Func<Activity, bool> match, string what) =>
        (await TestSilo.EventuallyAsync(() => Task.FromResult(SpansOf(trace).FirstOrDefault(match)), s => s is not null, TimeSpan.FromSeconds(15), what))!;

    [Fact]
    public async Task An_event_keeps_its_trace_id_from_the_request_through_Kafka_to_the_grain()
    {
        Listen();
        using var caller = new Activity("test caller").SetIdFormat(ActivityIdFormat.W3C).Start();
        var trace = caller.TraceId;
        using (var response = await Silo.Client.Http.PostAsync("v1/events",
                   new StringContent("""{"userId":"traced-user","itemId":"i7","type":"play"}""", Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        caller.Stop();

        var processed = await SpanAsync(trace, s => s.DisplayName == "process interactions", "the consumer's span for the traced event");
        var server = await SpanAsync(trace, s => s.Source.Name == "Microsoft.AspNetCore" && s.Kind == ActivityKind.Server, "the gateway's request span");
        var produced = await SpanAsync(trace, s => s.Source.Name == KafkaTelemetry.Name && s.DisplayName == "send interactions", "the produce span");
        Assert.Single(SpansOf(trace), s => s.DisplayName == "send interactions");
        Assert.Equal(ActivityKind.Producer, produced.Kind);
        Assert.Equal(server.SpanId, produced.ParentSpanId);
        Assert.Equal(ActivityKind.Consumer, processed.Kind);
        Assert.Equal(produced.SpanId, processed.ParentSpanId); // the traceparent header of the record
    }

    [Fact]
    public async Task A_grain_call_span_shares_the_request_trace_id_when_grain_calls_are_traced()
    {
        // Without an OTLP endpoint (the shared silo) grain calls carry no trace context: Orleans' propagation filters
        // are not registered (the Orleans dashboard's profiler may be).
        static bool Propagates(object filter) => filter.GetType().Name.StartsWith("ActivityPropagation", StringComparison.Ordinal);
        Assert.DoesNotContain(Silo.Services.GetServices<Orleans.IOutgoingGrainCallFilter>(), Propagates);
        Assert.DoesNotContain(Silo.Services.GetServices<Orleans.IIncomingGrainCallFilter>(), Propagates);
        await using var traced = await TestSilo.StartAsync(null, "--Telemetry:GrainCallTracing=true");
        Assert.Contains(traced.Services.GetServices<Orleans.IOutgoingGrainCallFilter>(), Propagates);
        Assert.Contains(traced.Services.GetServices<Orleans.IIncomingGrainCallFilter>(), Propagates);

        Listen();
        using var caller = new Activity("test caller").SetIdFormat(ActivityIdFormat.W3C).Start();
        var trace = caller.TraceId;
        using (var response = await traced.Client.Http.GetAsync("v1/users/traced-reader/rows?rows=2&perRow=3"))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        caller.Stop();

        var server = await SpanAsync(trace, s => s.Source.Name == "Microsoft.AspNetCore" && s.Kind == ActivityKind.Server, "the gateway's request span");
        // Orleans' own span for the call (AddActivityPropagation), a child of the request's.
        var grainCall = await SpanAsync(trace, s => s.Source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal) && s.Kind == ActivityKind.Client
            && s.DisplayName.EndsWith("/GetRowsAsync", StringComparison.Ordinal), "the grain call span");
        Assert.Equal(server.SpanId, grainCall.ParentSpanId);
        Assert.Contains(grainCall.TagObjects, t => t.Value?.ToString()?.Contains("traced-reader", StringComparison.Ordinal) == true);
    }
}
