using Microsoft.Extensions.Options;

namespace Personalization.Runtime.Membership;

/// <summary>Who this silo is and where it can be reached (known once the server has bound its ports).</summary>
public sealed class SiloIdentity(IOptions<ClusterOptions> options)
{
    private readonly TaskCompletionSource _bound = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The silo id.</summary>
    public string SiloId { get; } = string.IsNullOrWhiteSpace(options.Value.SiloId)
        ? $"silo-{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}"
        : options.Value.SiloId;

    /// <summary>When the silo started.</summary>
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>The public gateway address.</summary>
    public string? GatewayEndpoint { get; private set; }

    /// <summary>The silo-to-silo (HTTP/2) address.</summary>
    public string? SiloEndpoint { get; private set; }

    /// <summary>Completes once the endpoints are known.</summary>
    public Task Bound => _bound.Task;

    /// <summary>Records the bound endpoints (the host calls it when the server started).</summary>
    public void Bind(string gatewayEndpoint, string siloEndpoint)
    {
        GatewayEndpoint = gatewayEndpoint.TrimEnd('/');
        SiloEndpoint = siloEndpoint.TrimEnd('/');
        _bound.TrySetResult();
    }
}
