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
        UserEncoder.Check(itemEmbeddings, (long)items * latent, nameof(itemEmbeddings));
        UserEncoder.Check(itemBias, items, nameof(itemBias));
        Items = items;
        Hidden = hidden;
        Latent = latent;
        Encoder = new UserEncoder(items, hidden, latent, UserEncoder.FactorsFor(latent), encoderWeights, encoderBias, meanWeights, meanBias);
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
    public void Encode(ReadOnlySpan<int> items, ReadOnlySpan<float> values, Span<float> mean) => Encoder.EncodeMean(items, values, mean);

    /// <summary>The encoder alone, as a factor model's user side serves it (<see cref="ToFactorModel"/>).</summary>
    public UserEncoder Encoder { get; }

    /// <summary>
    /// The model as the cluster serves it: a factor model whose item rows are the decoder's [E_i, c_i, 0, …] and whose
    /// users are encoded by <see cref="Encoder"/> into [μ, 1, 0, …]; the dot product is the logit.
    /// </summary>
    /// <param name="version">Registry version.</param>
    /// <param name="trainedAt">When it was trained.</param>
    /// <param name="dataCutoff">The newest event it saw.</param>
    /// <param name="itemIds">Item id per row.</param>
    /// <param name="itemPopularity">Popularity per row.</param>
    /// <param name="metrics">Offline metrics.</param>
    public FactorModel ToFactorModel(long version, DateTimeOffset trainedAt, DateTimeOffset dataCutoff, string[] itemIds, float[] itemPopularity,
        IReadOnlyDictionary<string, double> metrics)
    {
        ArgumentNullException.ThrowIfNull(itemIds);
        if (itemIds.Length != Items) throw new ArgumentException($"{Items} item ids are needed, got {itemIds.Length}.", nameof(itemIds));
        int k = Encoder.Factors;
        var rows = new float[(long)Items * k];
        for (int i = 0; i < Items; i++)
        {
            ItemEmbeddings.AsSpan(i * Latent, Latent).CopyTo(rows.AsSpan(i * k, Latent));
            rows[i * k + Latent] = ItemBias[i];
        }
        return new FactorModel(version, trainedAt, dataCutoff, k, alpha: 0f, regularization: 0f, itemIds, rows,
            GramMatrix.Compute(rows, Items, k), itemPopularity, metrics, encoder: Encoder);
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
}
