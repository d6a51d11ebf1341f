using System.Numerics.Tensors;

namespace Personalization.Recommender;

/// <summary>Dot-product scoring of items against a user vector.</summary>
public static class Scoring
{
    /// <summary>scores[i] = item row i · user for every item.</summary>
    /// <param name="itemFactors">Row-major item factors, k floats per item.</param>
    /// <param name="k">Number of factors.</param>
    /// <param name="user">User vector of length k.</param>
    /// <param name="scores">One score per item; length = item count.</param>
    public static void ScoreAll(ReadOnlySpan<float> itemFactors, int k, ReadOnlySpan<float> user, Span<float> scores)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (user.Length != k)
            throw new ArgumentException($"User vector needs {k} elements, got {user.Length}.", nameof(user));
        if (itemFactors.Length != (long)scores.Length * k)
            throw new ArgumentException(
                $"{itemFactors.Length} factors do not make {scores.Length} items of {k}.", nameof(itemFactors));

        for (int i = 0; i < scores.Length; i++)
            scores[i] = TensorPrimitives.Dot(itemFactors.Slice(i * k, k), user);
    }

    /// <summary>Cosine similarity of two vectors; 0 when either is all zeros (rather than NaN).</summary>
    /// <param name="a">First vector.</param>
    /// <param name="b">Second vector, same length.</param>
    /// <returns>a·b / (‖a‖‖b‖) in [−1, 1].</returns>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
            throw new ArgumentException($"Lengths differ: {a.Length} and {b.Length}.", nameof(b));
        float normProduct = TensorPrimitives.Norm(a) * TensorPrimitives.Norm(b);
        if (normProduct == 0f)
            return 0f;
        return Math.Clamp(TensorPrimitives.Dot(a, b) / normProduct, -1f, 1f);
    }
}
