using System.Numerics.Tensors;

namespace Personalization.Recommender.Reranking;

/// <summary>
/// Unit-length item vectors, row-major items × dimensions, so the cosine similarity of two items is their dot
/// product: what MMR (<see cref="Reranker"/>) and intra-list diversity
/// (<see cref="Evaluation.RankingMetrics.IntraListDiversity"/>) compare items by.
/// </summary>
/// <remarks>
/// Built from any item embedding, typically ALS item factors. A zero row (an item the factorization never saw) stays
/// zero: it has similarity 0 to everything, neither similar nor opposite, rather than NaN.
/// </remarks>
public sealed class ItemVectors
{
    private ItemVectors(float[] values, int dimensions)
    {
        Values = values;
        Dimensions = dimensions;
        Items = values.Length / dimensions;
    }

    /// <summary>Row-major items × <see cref="Dimensions"/> unit (or zero) rows.</summary>
    public float[] Values { get; }

    /// <summary>Length of each row.</summary>
    public int Dimensions { get; }

    /// <summary>Number of rows.</summary>
    public int Items { get; }

    /// <summary>Copies <paramref name="factors"/> and scales each row to unit length.</summary>
    /// <param name="factors">Row-major items × <paramref name="dimensions"/> vectors, e.g. ALS item factors.</param>
    /// <param name="dimensions">Length of each row, at least 1.</param>
    /// <returns>The normalized copy.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimensions"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">The length is not a whole number of rows, or a value is not finite.</exception>
    public static ItemVectors Normalize(ReadOnlySpan<float> factors, int dimensions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        if (factors.Length % dimensions != 0)
            throw new ArgumentException($"{factors.Length} values are not a whole number of rows of {dimensions}.", nameof(factors));
        var values = factors.ToArray();
        for (int offset = 0; offset < values.Length; offset += dimensions)
        {
            Span<float> row = values.AsSpan(offset, dimensions);
            // Norm in double: squares of large factors could overflow float, and the cosines should be exact to float precision.
            double squares = 0;
            foreach (float x in row)
            {
                if (!float.IsFinite(x))
                    throw new ArgumentException($"Row {offset / dimensions} has a non-finite value.", nameof(factors));
                squares += (double)x * x;
            }
            if (squares > 0)
                TensorPrimitives.Multiply(row, (float)(1 / Math.Sqrt(squares)), row);
        }
        return new ItemVectors(values, dimensions);
    }

    /// <summary>The unit vector of one item.</summary>
    /// <param name="item">Item index in [0, <see cref="Items"/>).</param>
    /// <returns>A view of the row.</returns>
    public ReadOnlySpan<float> Row(int item) => Values.AsSpan(item * Dimensions, Dimensions);
}
