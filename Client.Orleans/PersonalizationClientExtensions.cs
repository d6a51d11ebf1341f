using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Personalization.Client.Orleans;

/// <summary>Registration of the grain client in a service's host.</summary>
public static class PersonalizationClientExtensions
{
    /// <summary>
    /// Adds an Orleans client connected to the personalization cluster and <see cref="PersonalizationGrains"/>.
    /// </summary>
    public static IHostApplicationBuilder AddPersonalizationGrainClient(this IHostApplicationBuilder builder, Action<PersonalizationClusterOptions>? configure = null)
    {
        var options = new PersonalizationClusterOptions();
        Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(builder.Configuration.GetSection(PersonalizationClusterOptions.Section), options);
        configure?.Invoke(options);
        builder.UseOrleansClient(client =>
        {
            if (string.IsNullOrWhiteSpace(options.Redis))
            {
                client.UseLocalhostClustering(options.GatewayPort, options.ServiceId, options.ClusterId);
            }
            else
            {
                client.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(options.Redis));
                client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = options.ClusterId;
                    o.ServiceId = options.ServiceId;
                });
            }
        });
        builder.Services.AddSingleton<PersonalizationGrains>();
        return builder;
    }
}
