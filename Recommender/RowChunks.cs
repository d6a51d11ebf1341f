using System.Runtime.ExceptionServices;

namespace Personalization.Recommender;

/// <summary>One chunk of rows [start, end) for the worker that claimed it; worker w owns scratch slot w.</summary>
internal delegate void RowChunkBody(int start, int end, int worker);

/// <summary>
/// Runs a body over [0, rows) in fixed-size chunks that <c>workers</c> threads claim as they go: rows cost unevenly
/// (a user's history, an item's audience), so a static split would leave threads idle while one finishes its share.
/// </summary>
internal static class RowChunks
{
    /// <summary>
    /// Runs <paramref name="body"/> over every chunk; with one worker on the calling thread. Stops claiming once
    /// <paramref name="cancellationToken"/> is cancelled and then throws; a worker's exception is rethrown as it was.
    /// </summary>
    public static void ForEach(int rows, int chunkSize, int workers, CancellationToken cancellationToken, RowChunkBody body)
    {
        int next = 0;
        void Work(int worker)
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                int start = Interlocked.Add(ref next, chunkSize) - chunkSize;
                if (start >= rows)
                    return;
                body(start, Math.Min(start + chunkSize, rows), worker);
            }
        }

        if (workers == 1)
        {
            Work(0);
        }
        else
        {
            try
            {
                Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, Work);
            }
            catch (AggregateException aggregate) when (aggregate.InnerExceptions.Count == 1)
            {
                ExceptionDispatchInfo.Throw(aggregate.InnerExceptions[0]);
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
    }
}
