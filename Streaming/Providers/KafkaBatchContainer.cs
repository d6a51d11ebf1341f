using Orleans.Providers.Streams.Common;
using Orleans.Runtime;
using Orleans.Streams;

namespace Personalization.Streaming.Providers;

/// <summary>One Kafka record in an Orleans queue: the stream is (topic, key), the token the offset.</summary>
[GenerateSerializer, Immutable]
public sealed class KafkaBatchContainer : IBatchContainer
{
    /// <summary>Wraps <paramref name="record"/>.</summary>
    public KafkaBatchContainer(KafkaRecord record)
    {
        Record = record;
        StreamId = StreamId.Create(record.Topic, record.Key);
        Token = new EventSequenceTokenV2(record.Offset);
    }

    /// <summary>The record.</summary>
    [Id(0)] public KafkaRecord Record { get; }

    /// <inheritdoc />
    [Id(1)] public StreamId StreamId { get; }

    [Id(2)] private EventSequenceTokenV2 Token { get; }

    /// <inheritdoc />
    public StreamSequenceToken SequenceToken => Token;

    /// <inheritdoc />
    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>() =>
        Record is T item ? [Tuple.Create<T, StreamSequenceToken>(item, Token)] : [];

    /// <inheritdoc />
    public bool ImportRequestContext() => false;
}
