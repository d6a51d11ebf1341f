using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Personalization.Streaming.Kafka;

namespace Personalization.Streaming.Providers;

/// <summary>
/// One Kafka consumer per topic per silo, reading every partition this silo's receivers hold into a buffer per
/// partition. Receivers drain their buffer without touching Kafka, so an Orleans queue costs a dequeue per tick, and
/// the broker sees one fetch stream per silo and topic instead of one per partition. Assignment, commits and offset
/// queries run on the reader's own thread, between polls (the consumer is not shared across threads).
/// </summary>
internal sealed partial class KafkaTopicReader : IDisposable
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(20);
    private readonly string _topic;
    private readonly int _maxBuffered;
    private readonly ILogger _logger;
    private readonly IConsumer<string, byte[]> _consumer;
    private readonly ConcurrentDictionary<int, PartitionBuffer> _buffers = new();
    private readonly ConcurrentQueue<Action> _commands = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Thread _thread;
    // Set by Dispose once the consumer takes no more commands: a receiver still running then (a silo stopped
    // after a failed start disposes its services under the pulling agents) gets an error, not a task that never ends.
    private volatile bool _closed;

    public KafkaTopicReader(KafkaConnection connection, string topic, int maxBuffered, ILogger logger)
    {
        _topic = topic;
        _maxBuffered = maxBuffered;
        _logger = logger;
        Epoch = connection.LogEpoch;
        _consumer = new ConsumerBuilder<string, byte[]>(connection.ConsumerConfig($"{connection.Options.GroupId}.{topic}"))
            .SetErrorHandler((_, e) => LogKafkaError(topic, e.Reason))
            .Build();
        _thread = new Thread(Run) { IsBackground = true, Name = $"kafka-reader-{topic}" };
        _thread.Start();
    }

    /// <summary>The log incarnation the records belong to.</summary>
    public string Epoch { get; }

    /// <summary>Starts reading <paramref name="partition"/> at the group's committed offset; returns that offset.</summary>
    public Task<long> AssignAsync(int partition, TimeSpan timeout) => RunOnReaderAsync(() =>
    {
        var tp = new TopicPartition(_topic, partition);
        var committed = _consumer.Committed([tp], timeout).Single().Offset;
        _buffers[partition] = new PartitionBuffer();
        _consumer.IncrementalAssign([new TopicPartitionOffset(tp, committed.Value >= 0 ? committed : Offset.Beginning)]);
        return Math.Max(0, committed.Value);
    });

    /// <summary>Stops reading <paramref name="partition"/> and drops what it buffered (a new owner re-reads it).</summary>
    public Task UnassignAsync(int partition) => RunOnReaderAsync(() =>
    {
        _consumer.IncrementalUnassign([new TopicPartition(_topic, partition)]);
        _buffers.TryRemove(partition, out _);
        return true;
    });

    /// <summary>Reads <paramref name="partition"/> again from <paramref name="offset"/>, dropping what it buffered.</summary>
    public Task RewindAsync(int partition, long offset) => RunOnReaderAsync(() =>
    {
        var tp = new TopicPartition(_topic, partition);
        if (_buffers.TryGetValue(partition, out var old) && old.Paused) _consumer.Resume([tp]);
        _buffers[partition] = new PartitionBuffer();
        _consumer.Seek(new TopicPartitionOffset(tp, offset));
        return true;
    });

    /// <summary>Commits <paramref name="offset"/> (the next record to read) for <paramref name="partition"/>.</summary>
    public Task CommitAsync(int partition, long offset) => RunOnReaderAsync(() =>
    {
        _consumer.Commit([new TopicPartitionOffset(_topic, partition, offset)]);
        return true;
    });

    /// <summary>Takes up to <paramref name="max"/> buffered records of <paramref name="partition"/>, oldest first.</summary>
    public int Drain(int partition, int max, List<ConsumeResult<string, byte[]>> into)
    {
        if (!_buffers.TryGetValue(partition, out var buffer)) return 0;
        var taken = 0;
        while (taken < max && buffer.Records.TryDequeue(out var result))
        {
            into.Add(result);
            taken++;
        }
        if (taken > 0 && Interlocked.Add(ref buffer.Count, -taken) < _maxBuffered / 2 && buffer.Paused)
        {
            buffer.Paused = false;
            _commands.Enqueue(() => _consumer.Resume([new TopicPartition(_topic, partition)]));
        }
        return taken;
    }

    /// <summary>
    /// Completes when <paramref name="partition"/> has buffered records or after <paramref name="timeout"/>, whichever
    /// comes first: a receiver waits here instead of being asked again on a short timer, so a record reaches Orleans
    /// as soon as it is fetched and an idle queue costs a wake-up per timeout.
    /// </summary>
    public Task WaitForRecordsAsync(int partition, TimeSpan timeout)
    {
        if (!_buffers.TryGetValue(partition, out var buffer) || !buffer.Records.IsEmpty) return Task.CompletedTask;
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref buffer.Waiter, arrived);
        // A record enqueued between the check above and publishing the waiter would not signal it: look again.
        if (!buffer.Records.IsEmpty) return Task.CompletedTask;
        return Task.WhenAny(arrived.Task, Task.Delay(timeout));
    }

    /// <summary>The log end of <paramref name="partition"/> as last fetched (-1 when unknown, or once closed).</summary>
    public long HighWatermark(int partition)
    {
        if (_closed) return -1;
        try
        {
            return _consumer.GetWatermarkOffsets(new TopicPartition(_topic, partition)).High.Value;
        }
        catch (ObjectDisposedException)
        {
            return -1; // closed between the check and the call
        }
    }

    private Task<T> RunOnReaderAsync<T>(Func<T> command)
    {
        if (_closed) return Task.FromException<T>(Closed());
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _commands.Enqueue(() =>
        {
            try
            {
                done.TrySetResult(command());
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        });
        // Closed after the check above: Dispose's last pass may have missed this command, so it fails here (a
        // command that did run has already set its result, and this is a no-op).
        if (_closed) done.TrySetException(Closed());
        return done.Task;
    }

    private ObjectDisposedException Closed() => new(nameof(KafkaTopicReader), $"The reader of {_topic} is closed.");

    private void Run()
    {
        while (!_stopping.IsCancellationRequested)
        {
            RunCommands();
            ConsumeResult<string, byte[]>? result;
            try
            {
                result = _consumer.Consume(PollTimeout);
            }
            catch (ConsumeException ex)
            {
                LogKafkaError(_topic, ex.Error.Reason);
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            // A drained and revoked partition's late records are dropped: its new owner reads them again.
            if (result?.Message is null || result.IsPartitionEOF || !_buffers.TryGetValue(result.Partition.Value, out var buffer)) continue;
            buffer.Records.Enqueue(result);
            Interlocked.Exchange(ref buffer.Waiter, null)?.TrySetResult();
            if (Interlocked.Increment(ref buffer.Count) >= _maxBuffered && !buffer.Paused)
            {
                // Its grains are behind: stop fetching it until its receiver drained half.
                buffer.Paused = true;
                _consumer.Pause([result.TopicPartition]);
            }
        }
    }

    private void RunCommands()
    {
        while (_commands.TryDequeue(out var command))
        {
            try
            {
                command();
            }
            catch (KafkaException ex)
            {
                LogKafkaError(_topic, ex.Error.Reason); // e.g. resuming a partition revoked meanwhile
            }
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _thread.Join(TimeSpan.FromSeconds(10));
        RunCommands(); // what was asked before the stop still runs (a last commit)
        _closed = true;
        RunCommands(); // and what was asked while the line above ran
        _consumer.Close();
        _consumer.Dispose();
        _stopping.Dispose();
    }

    private sealed class PartitionBuffer
    {
        public readonly ConcurrentQueue<ConsumeResult<string, byte[]>> Records = new();
        public int Count;
        public volatile bool Paused;
        public TaskCompletionSource? Waiter;
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Kafka consumer of {Topic}: {Reason}")]
    private partial void LogKafkaError(string topic, string reason);
}

/// <summary>The silo's readers, one per topic, created on first use.</summary>
public sealed class KafkaTopicReaders(KafkaConnection connection, ILoggerFactory loggerFactory) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<KafkaTopicReader>> _readers = new(StringComparer.Ordinal);

    internal KafkaTopicReader For(string topic, int maxBuffered) =>
        _readers.GetOrAdd(topic, t => new Lazy<KafkaTopicReader>(() =>
            new KafkaTopicReader(connection, t, maxBuffered, loggerFactory.CreateLogger<KafkaTopicReader>()))).Value;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var reader in _readers.Values)
            if (reader.IsValueCreated) reader.Value.Dispose();
    }
}
