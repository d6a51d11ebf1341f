using System.Numerics.Tensors;

namespace Personalization.Recommender;

/// <summary>
/// A neural user encoder served in place of the ALS fold-in: Mult-VAE's mean, μ = W_μ tanh(W₁ᵀx + b₁) + b_μ for the
/// L2-normalized binary profile x, written as the user vector [μ, 1, 0, …] of a factor model whose item rows are the
/// decoder's [E_i, c_i, 0, …]. The dot product is then the decoder's logit.
/// </summary>
/// <remarks>
/// The cost is a sparse sum of n rows of W₁ (n·H multiply-adds), H tanh and D·H multiply-adds: cheaper than an ALS
/// solve (docs/trainer.md). Immutable and safe to call from many threads.
/// </remarks>
public sealed class UserEncoder
{
    /// <summary>Wraps trained weights (not copied).</summary>
    /// <param name="items">Catalog size I: the rows of <paramref name="inputWeights"/>.</param>
    /// <param name="hidden">Hidden width H.</param>
    /// <param name="latent">Latent size D.</param>
    /// <param name="factors">Length of the user vector written: at least D + 1 (μ, then the bias's 1, then zeros).</param>
    /// <param name="inputWeights">W₁, I × H row-major.</param>
    /// <param name="inputBias">b₁, H.</param>
    /// <param name="meanWeights">W_μ, D × H row-major.</param>
    /// <param name="meanBias">b_μ, D.</param>
    public UserEncoder(int items, int hidden, int latent, int factors, float[] inputWeights, float[] inputBias, float[] meanWeights, float[] meanBias)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(items, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hidden, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(latent, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(factors, latent + 1);
        Check(inputWeights, (long)items * hidden, nameof(inputWeights));
        Check(inputBias, hidden, nameof(inputBias));
        Check(meanWeights, (long)latent * hidden, nameof(meanWeights));
        Check(meanBias, latent, nameof(meanBias));
        Items = items;
        Hidden = hidden;
        Latent = latent;
        Factors = factors;
        InputWeights = inputWeights;
        InputBias = inputBias;
        MeanWeights = meanWeights;
        MeanBias = meanBias;
    }

    /// <summary>Catalog size I.</summary>
    public int Items { get; }

    /// <summary>Hidden width H.</summary>
    public int Hidden { get; }

    /// <summary>Latent size D.</summary>
    public int Latent { get; }

    /// <summary>Length of the user vector: D + 1, rounded up for the SIMD kernels.</summary>
    public int Factors { get; }

    /// <summary>W₁, I × H.</summary>
    public float[] InputWeights { get; }

    /// <summary>b₁, H.</summary>
    public float[] InputBias { get; }

    /// <summary>W_μ, D × H.</summary>
    public float[] MeanWeights { get; }

    /// <summary>b_μ, D.</summary>
    public float[] MeanBias { get; }

    /// <summary>μ for a profile: the items with a positive value, once each, with weight 1/√n.</summary>
    /// <param name="items">Item rows (any order; each once).</param>
    /// <param name="values">Value per entry; only &gt; 0 counts.</param>
    /// <param name="mean">Receives μ, <see cref="Latent"/> floats.</param>
    public void EncodeMean(ReadOnlySpan<int> items, ReadOnlySpan<float> values, Span<float> mean)
    {
        if (items.Length != values.Length) throw new ArgumentException("items and values differ in length.", nameof(values));
        if (mean.Length != Latent) throw new ArgumentException($"mean needs {Latent} elements, got {mean.Length}.", nameof(mean));
        int positives = 0;
        foreach (float value in values)
            if (value > 0f) positives++;
        Span<float> hidden = Hidden <= 1024 ? stackalloc float[Hidden] : new float[Hidden];
        InputBias.CopyTo(hidden);
        if (positives > 0)
        {
            float weight = 1f / MathF.Sqrt(positives);
            for (int e = 0; e < items.Length; e++)
            {
                if (!(values[e] > 0f)) continue;
                int item = items[e];
                if ((uint)item >= (uint)Items) throw new ArgumentOutOfRangeException(nameof(items), item, $"Item outside [0, {Items}).");
                TensorPrimitives.MultiplyAdd(InputWeights.AsSpan(item * Hidden, Hidden), weight, hidden, hidden);
            }
        }
        TensorPrimitives.Tanh(hidden, hidden);
        for (int d = 0; d < Latent; d++)
            mean[d] = TensorPrimitives.Dot(MeanWeights.AsSpan(d * Hidden, Hidden), hidden) + MeanBias[d];
    }

    /// <summary>The user vector [μ, 1, 0, …] of <see cref="Factors"/> floats, to score against the decoder's item rows.</summary>
    /// <param name="items">Item rows (any order; each once).</param>
    /// <param name="values">Value per entry; only &gt; 0 counts.</param>
    /// <param name="vector">Receives <see cref="Factors"/> floats.</param>
    public void Encode(ReadOnlySpan<int> items, ReadOnlySpan<float> values, Span<float> vector)
    {
        if (vector.Length != Factors) throw new ArgumentException($"vector needs {Factors} elements, got {vector.Length}.", nameof(vector));
        EncodeMean(items, values, vector[..Latent]);
        vector[Latent] = 1f;
        vector[(Latent + 1)..].Clear();
    }

    /// <summary>User-vector length for a latent size: D + 1 rounded up to a multiple of 8, the width of the blocked kernels.</summary>
    public static int FactorsFor(int latent) => (latent + 1 + 7) / 8 * 8;

    /// <summary>Checks a weight array: present, <paramref name="length"/> long, all finite; the exception names it.</summary>
    internal static void Check(float[] array, long length, string name)
    {
        ArgumentNullException.ThrowIfNull(array, name);
        if (array.Length != length) throw new ArgumentException($"{name} needs {length} values, got {array.Length}.", name);
        if (!TensorPrimitives.IsFiniteAll(array)) throw new ArgumentException($"{name} holds a NaN or infinite value.", name);
    }
}
