using System.Numerics.Tensors;

namespace Personalization.Recommender;

/// <summary>
/// Spherical k-means (Dhillon and Modha 2001): clusters the directions of vectors by cosine, each centroid the
/// normalized sum of its members. What an inverted-file index partitions item factors with, so a user's query meets
/// the lists whose items point its way.
/// </summary>
public static class SphericalKMeans
{
    /// <summary>
    /// Centroids trained on a sample of the rows of <paramref name="vectors"/>: k-means++ seeds from the sample, then <paramref name="iterations"/> rounds of assignment by largest cosine and re-normalized means. A
    /// centroid left empty takes the sampled row its centroid fits worst, so none stays unused.
    /// </summary>
    /// <param name="vectors">Row-major vectors, <paramref name="dimensions"/> floats each, finite.</param>
    /// <param name="dimensions">Floats per vector.</param>
    /// <param name="clusters">Centroids wanted; at most the number of vectors.</param>
    /// <param name="sample">Vectors trained on (the rest only get assigned); at least <paramref name="clusters"/>.</param>
    /// <param name="iterations">Rounds of assignment and update.</param>
    /// <param name="seed">Seed of the sample and the first centroids.</param>
    /// <returns>Row-major unit centroids, <paramref name="clusters"/> × <paramref name="dimensions"/>.</returns>
    public static float[] Train(ReadOnlySpan<float> vectors, int dimensions, int clusters, int sample, int iterations, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        int n = vectors.Length / dimensions;
        ArgumentOutOfRangeException.ThrowIfLessThan(clusters, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(clusters, n);
        sample = Math.Clamp(sample, clusters, n);

        // A sample of distinct rows, normalized.
        var random = new Random(seed);
        var picked = new int[n];
        for (int i = 0; i < n; i++) picked[i] = i;
        for (int i = 0; i < sample; i++)
        {
            int j = i + random.Next(n - i);
            (picked[i], picked[j]) = (picked[j], picked[i]);
        }
        var points = new float[sample * dimensions];
        for (int i = 0; i < sample; i++) Normalize(vectors.Slice(picked[i] * dimensions, dimensions), points.AsSpan(i * dimensions, dimensions));
        var centroids = Seed(points, dimensions, clusters, random);

        var assignment = new int[sample];
        var fit = new float[sample];
        var sums = new float[clusters * dimensions];
        var sizes = new int[clusters];
        for (int round = 0; round < iterations; round++)
        {
            Assign(points, dimensions, centroids, assignment, fit);
            Array.Clear(sums);
            Array.Clear(sizes);
            for (int i = 0; i < sample; i++)
            {
                TensorPrimitives.Add(sums.AsSpan(assignment[i] * dimensions, dimensions), points.AsSpan(i * dimensions, dimensions),
                    sums.AsSpan(assignment[i] * dimensions, dimensions));
                sizes[assignment[i]]++;
            }
            for (int c = 0; c < clusters; c++)
            {
                var centroid = centroids.AsSpan(c * dimensions, dimensions);
                if (sizes[c] == 0)
                {
                    // The worst-fitting point becomes this centroid, and is no longer the worst.
                    int worst = fit.AsSpan().IndexOf(TensorPrimitives.Min(fit));
                    points.AsSpan(worst * dimensions, dimensions).CopyTo(centroid);
                    fit[worst] = 1f;
                    continue;
                }
                Normalize(sums.AsSpan(c * dimensions, dimensions), centroid);
            }
        }
        return centroids;
    }

    /// <summary>
    /// The centroid of largest dot product for each row of <paramref name="vectors"/> (for unit centroids, the largest
    /// cosine), ties to the lower centroid; rows in parallel over the machine's cores.
    /// </summary>
    /// <param name="vectors">Row-major vectors.</param>
    /// <param name="dimensions">Floats per vector.</param>
    /// <param name="centroids">Row-major centroids.</param>
    /// <param name="assignment">Receives one centroid per vector.</param>
    /// <param name="fit">Receives the winning dot product per vector, or is empty when not wanted.</param>
    public static void Assign(ReadOnlyMemory<float> vectors, int dimensions, ReadOnlyMemory<float> centroids, int[] assignment, float[] fit)
    {
        int n = vectors.Length / dimensions;
        int clusters = centroids.Length / dimensions;
        if (assignment.Length != n) throw new ArgumentException($"assignment needs {n} elements, got {assignment.Length}.", nameof(assignment));
        const int Chunk = 1024;
        Parallel.For(0, (n + Chunk - 1) / Chunk, chunk =>
        {
            var scores = new float[clusters];
            int end = Math.Min(n, (chunk + 1) * Chunk);
            for (int i = chunk * Chunk; i < end; i++)
            {
                Scoring.ScoreAll(centroids.Span, dimensions, vectors.Span.Slice(i * dimensions, dimensions), scores);
                int best = TensorPrimitives.IndexOfMax(scores);
                assignment[i] = best;
                if (fit.Length == n) fit[i] = scores[best];
            }
        });
    }

    /// <summary>
    /// k-means++ seeding (Arthur and Vassilvitskii 2007) with 1 − cosine as the distance: each next centroid is a point
    /// drawn with probability proportional to its distance from the nearest centroid so far, so no two start in one
    /// cluster while another has none, the local optimum random seeding falls into.
    /// </summary>
    private static float[] Seed(float[] points, int dimensions, int clusters, Random random)
    {
        int n = points.Length / dimensions;
        var centroids = new float[clusters * dimensions];
        var distance = new float[n];
        distance.AsSpan().Fill(float.PositiveInfinity);
        var cosines = new float[n];
        int chosen = random.Next(n);
        for (int c = 0; c < clusters; c++)
        {
            var centroid = centroids.AsSpan(c * dimensions, dimensions);
            points.AsSpan(chosen * dimensions, dimensions).CopyTo(centroid);
            if (c == clusters - 1) break;
            Scoring.ScoreAll(points, dimensions, centroid, cosines);
            double total = 0;
            for (int i = 0; i < n; i++)
            {
                distance[i] = Math.Min(distance[i], Math.Max(0f, 1f - cosines[i]));
                total += distance[i];
            }
            if (total <= 0)
            {
                chosen = random.Next(n); // every point sits on a centroid: any will do
                continue;
            }
            double target = random.NextDouble() * total;
            chosen = n - 1;
            for (int i = 0; i < n; i++)
            {
                target -= distance[i];
                if (target < 0)
                {
                    chosen = i;
                    break;
                }
            }
        }
        return centroids;
    }

    private static void Normalize(ReadOnlySpan<float> source, Span<float> destination)
    {
        float norm = TensorPrimitives.Norm(source);
        if (norm > 0f) TensorPrimitives.Divide(source, norm, destination);
        else source.CopyTo(destination);
    }
}
