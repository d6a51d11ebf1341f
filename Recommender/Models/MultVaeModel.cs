using System.Numerics.Tensors;

namespace Personalization.Recommender.Models;

/// <summary>
/// The inference half of Mult-VAE (Liang et al. 2018, "Variational Autoencoders for Collaborative Filtering"): the
/// trained weights as plain arrays, the encoder's mean run in C# with SIMD, no deep-learning runtime.
/// </summary>
/// <remarks>
/// <para><b>Network.</b> Input: the user's positive items as a binary vector, L2-normalized (1/√n per item). Encoder:
/// h = tanh(W₁ᵀx + b₁), μ = W_μ h + b_μ (the variance head is not needed at inference: ranking uses the mean).
/// Decoder: one linear layer, logits = E μ + c, whose softmax is the multinomial over items.</para>
/// <para><b>Why a linear decoder.</b> The paper's decoder has a hidden layer of 600; with one linear layer the logits
/// are a dot product of the user's code [μ, 1] with each item's row [E_i, c_i], so serving scores the catalog like a
/// factor model of <see cref="Latent"/> + 1 factors (the int8 index included) at the cost of ALS, and the encoder is a
/// sparse sum of n rows of W₁ plus one small dense layer per event.</para>
/// <para>Immutable and safe to call from many threads.</para>
/// </remarks>
public sealed class MultVaeModel : IRecommenderModel
{
    /// <summary>The name on the command line and in the registry.</summary>
    public const string ModelName = "multvae";

    /// <summary>Wraps trained weights (not copied).</summary>
    /// <param name="items">Catalog size I.</param>
    /// <param name="hidden">Encoder hidden width H.</param>
    /// <param name="latent">Latent size D.</param>
    /// <param name="encoderWeights">W₁, I × H row-major: item i's row is what its presence adds to the hidden layer.</param>
    /// <param name="encoderBias">b₁, H.</param>
    /// <param name="meanWeights">W_μ, D × H row-major.</param>
    /// <param name="meanBias">b_μ, D.</param>
    /// <param name="itemEmbeddings">E, I × D row-major: the decoder's weights.</param>
    /// <param name="itemBias">c, I: the decoder's bias.</param>
    /// <param name="parameters">Hyper-parameters, for the registry and reports.</param>
    public MultVaeModel(int items, int hidden, int latent, float[] encoderWeights, float[] encoderBias, float[] meanWeights, float[] meanBias,
        float[] itemEmbeddings, float[] itemBias, IReadOnlyDictionary<string, double> parameters)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(items, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hidden, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(latent, 1);
        Check(encoderWeights, (long)items * hidden, nameof(encoderWeights));
        Check(encoderBias, hidden, nameof(encoderBias));
        Check(meanWeights, (long)latent * hidden, nameof(meanWeights));
        Check(meanBias, latent, nameof(meanBias));
        Check(itemEmbeddings, (long)items * latent, nameof(itemEmbeddings));
        Check(itemBias, items, nameof(itemBias));
        Items = items;
        Hidden = hidden;
        Latent = latent;
        EncoderWeights = encoderWeights;
        EncoderBias = encoderBias;
        MeanWeights = meanWeights;
        MeanBias = meanBias;
        ItemEmbeddings = itemEmbeddings;
        ItemBias = itemBias;
        Parameters = parameters;
    }

    /// <inheritdoc/>
    public string Name => ModelName;

    /// <inheritdoc/>
    public int Items { get; }

    /// <summary>Encoder hidden width H.</summary>
    public int Hidden { get; }

    /// <summary>Latent size D.</summary>
    public int Latent { get; }

    /// <summary>W₁, I × H.</summary>
    public float[] EncoderWeights { get; }

    /// <summary>b₁, H.</summary>
    public float[] EncoderBias { get; }

    /// <summary>W_μ, D × H.</summary>
    public float[] MeanWeights { get; }

    /// <summary>b_μ, D.</summary>
    public float[] MeanBias { get; }

    /// <summary>E, I × D.</summary>
    public float[] ItemEmbeddings { get; }

    /// <summary>c, I.</summary>
    public float[] ItemBias { get; }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, double> Parameters { get; }

    /// <summary>
    /// The user's code μ from their interactions: the items with a positive value count, once each, with weight 1/√n.
    /// A user with none gets μ of an empty profile (tanh(b₁) through the mean layer).
    /// </summary>
    /// <param name="items">Item indices, ascending, each once.</param>
    /// <param name="values">Value per entry; only &gt; 0 counts.</param>
    /// <param name="mean">Receives μ, <see cref="Latent"/> floats.</param>
    public void Encode(ReadOnlySpan<int> items, ReadOnlySpan<float> values, Span<float> mean)
    {
        if (items.Length != values.Length) throw new ArgumentException("items and values differ in length.", nameof(values));
        if (mean.Length != Latent) throw new ArgumentException($"mean needs {Latent} elements, got {mean.Length}.", nameof(mean));
        int positives = 0;
        foreach (float value in values)
            if (value > 0f) positives++;
        Span<float> hidden = Hidden <= 1024 ? stackalloc float[Hidden] : new float[Hidden];
        EncoderBias.CopyTo(hidden);
        if (positives > 0)
        {
            // W₁ᵀx for a sparse x: n rows of W₁, each scaled by 1/√n.
            float weight = 1f / MathF.Sqrt(positives);
            for (int e = 0; e < items.Length; e++)
            {
                if (!(values[e] > 0f)) continue;
                int item = items[e];
                if ((uint)item >= (uint)Items) throw new ArgumentOutOfRangeException(nameof(items), item, $"Item outside [0, {Items}).");
                TensorPrimitives.MultiplyAdd(EncoderWeights.AsSpan(item * Hidden, Hidden), weight, hidden, hidden);
            }
        }
        TensorPrimitives.Tanh(hidden, hidden);
        for (int d = 0; d < Latent; d++)
            mean[d] = TensorPrimitives.Dot(MeanWeights.AsSpan(d * Hidden, Hidden), hidden) + MeanBias[d];
    }

    /// <summary>The decoder's logits for a code: E μ + c. Ranking by them is ranking by the multinomial's probabilities.</summary>
    /// <param name="mean">A code from <see cref="Encode"/>.</param>
    /// <param name="scores">Receives <see cref="Items"/> logits.</param>
    public void Decode(ReadOnlySpan<float> mean, Span<float> scores)
    {
        if (scores.Length != Items) throw new ArgumentException($"scores needs {Items} elements, got {scores.Length}.", nameof(scores));
        Scoring.ScoreAll(ItemEmbeddings, Latent, mean, scores);
        TensorPrimitives.Add(scores, ItemBias, scores);
    }

    /// <inheritdoc/>
    public void Score(ReadOnlySpan<int> items, ReadOnlySpan<float> values, Span<float> scores)
    {
        Span<float> mean = Latent <= 1024 ? stackalloc float[Latent] : new float[Latent];
        Encode(items, values, mean);
        Decode(mean, scores);
    }

    private static void Check(float[] array, long length, string name)
    {
        ArgumentNullException.ThrowIfNull(array, name);
        if (array.Length != length) throw new ArgumentException($"{name} needs {length} values, got {array.Length}.", name);
        if (!TensorPrimitives.IsFiniteAll(array)) throw new ArgumentException($"{name} holds a NaN or infinite value.", name);
    }
}
