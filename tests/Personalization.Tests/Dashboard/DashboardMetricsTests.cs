using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Personalization.Silo.Dashboard;

namespace Personalization.Tests.Dashboard;

/// <summary>The dashboard counts its own silo's requests, not those of another silo in the same process.</summary>
public sealed class DashboardMetricsTests
{
    [Fact]
    public void Requests_of_another_host_in_the_process_are_not_counted()
    {
        using var own = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var other = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var ownMeters = own.GetRequiredService<IMeterFactory>();
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        using var dashboard = new DashboardMetrics(clock, ownMeters);

        // ASP.NET Core's request meter, as each host's hosting layer creates it from its own factory.
        static Histogram<double> Requests(IMeterFactory meters) =>
            meters.Create("Microsoft.AspNetCore.Hosting").CreateHistogram<double>("http.server.request.duration", "s");
        var ownRequests = Requests(ownMeters);
        var otherRequests = Requests(other.GetRequiredService<IMeterFactory>());
        KeyValuePair<string, object?>[] failed = [new("http.response.status_code", 503), new("http.route", "/v1/events")];
        KeyValuePair<string, object?>[] served = [new("http.response.status_code", 200), new("http.route", "/v1/users/{userId}/rows")];

        otherRequests.Record(0.002, failed);
        otherRequests.Record(0.002, served);
        Assert.Equal(0, dashboard.RequestsTotal);
        Assert.Equal(0, dashboard.ErrorsTotal);

        ownRequests.Record(0.002, served);
        ownRequests.Record(0.002, failed);
        Assert.Equal(2, dashboard.RequestsTotal);
        Assert.Equal(1, dashboard.ErrorsTotal);
    }
}
