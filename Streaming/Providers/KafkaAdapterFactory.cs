using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Providers.Streams.Common;
using Orleans.Streams;
using Personalization.Streaming.Kafka;

namespace Personalization.Streaming.Providers;

/// <summary>Creates the adapter, cache and queue mapper of one Kafka stream provider.</summary>
public sealed class KafkaAdapterFactory : IQueueAdapterFactory
{
    private readonly string _name;
    private readonly KafkaStreamOptions _options;
    private readonly IServiceProvider _services;
    private readonly ILoggerFactory _loggerFactory;
    private readonly KafkaQueueMapper _mapper;
    private readonly KafkaQueueAdapterCache _cache;

    /// <summary>Creates the factory of provider <paramref name="name"/>.</summary>
    public KafkaAdapterFactory(string name, KafkaStreamOptions options, IServiceProvider services, ILoggerFactory loggerFactory)
    {
        _name = name;
        _options = options;
        _services = services;
        _loggerFactory = loggerFactory;
        _mapper = new KafkaQueueMapper(options.Topic, options.Partitions);
        _cache = new KafkaQueueAdapterCache(options.DeliveryBatchSize);
    }

    /// <summary>The factory Orleans calls for provider <paramref name="name"/>.</summary>
    public static KafkaAdapterFactory Create(IServiceProvider services, string name) =>
        new(name,
            services.GetRequiredService<IOptionsMonitor<KafkaStreamOptions>>().Get(name),
            services,
            services.GetRequiredService<ILoggerFactory>());

    /// <inheritdoc />
    public Task<IQueueAdapter> CreateAdapter() =>
        Task.FromResult<IQueueAdapter>(new KafkaAdapter(_name, _options, _services.GetRequiredService<KafkaTopicReaders>().For(_options.Topic, _options.MaxInFlight),
            _services.GetServices<IStreamTap>().Where(t => t.Topic == _options.Topic).ToList(),
            _services.GetRequiredService<KafkaQueueOwnership>(), _services.GetRequiredService<IGrainFactory>(), _loggerFactory));

    /// <inheritdoc />
    public IQueueAdapterCache GetQueueAdapterCache() => _cache;

    /// <inheritdoc />
    public IStreamQueueMapper GetStreamQueueMapper() => _mapper;

    /// <inheritdoc />
    public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId) =>
        Task.FromResult<IStreamFailureHandler>(new NoOpStreamDeliveryFailureHandler());
}
