using System.Numerics.Tensors;

namespace Personalization.Recommender.Models;

/// <summary>
/// The inference half of SASRec (Kang and McAuley 2018, "Self-Attentive Sequential Recommendation"): causal
/// self-attention over the user's most recent items, its weights as plain arrays, run in C# with SIMD.
/// </summary>
/// <remarks>
/// <para><b>Network</b> (as the widely used PyTorch port lays it out). Input: the user's last n ≤ L items in time
/// order, x_t = √d·E[s_t] + P[L − n + t] (positions right-aligned, as training pads on the left). Each block: Q = LN_a(x),
/// x = Q + softmax(causal((QW_q + b_q)(xW_k + b_k)ᵀ/√d))(xW_v + b_v)W_o + b_o, x = LN_f(x), x = x + W₂ relu(W₁x + b₁) + b₂;
/// then h = LN_last(x) at the last position. An item's score is h·E_i: the embeddings are shared with the input.</para>
/// <para><b>Values are the history's order.</b> <see cref="Score"/> reads each item's value as its place in the user's
/// history (1 = first), the units the trainer's order matrix gives; a served user's recent list gives it directly.</para>
/// <para>Immutable and safe to call from many threads.</para>
/// </remarks>
public sealed class SasRecModel : IRecommenderModel
{
    /// <summary>The name on the command line and in the registry.</summary>
    public const string ModelName = "sasrec";

    private const float LayerNormEpsilon = 1e-5f;

    /// <summary>Wraps trained weights (not copied). Linear weights are [out, in] row-major, as libtorch keeps them.</summary>
    /// <param name="items">Catalog size I; the embedding table has I + 1 rows, row 0 the padding.</param>
    /// <param name="dimensions">Hidden size d.</param>
    /// <param name="maxLength">Positions L.</param>
    /// <param name="itemEmbeddings">E, (I + 1) × d.</param>
    /// <param name="positions">P, L × d.</param>
    /// <param name="blocks">The attention blocks, first to last.</param>
    /// <param name="finalNorm">LN_last's scale and shift, d each.</param>
    /// <param name="parameters">Hyper-parameters, for the registry and reports.</param>
    public SasRecModel(int items, int dimensions, int maxLength, float[] itemEmbeddings, float[] positions, IReadOnlyList<SasRecBlock> blocks,
        (float[] Scale, float[] Shift) finalNorm, IReadOnlyDictionary<string, double> parameters)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(items, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        if (itemEmbeddings.Length != (long)(items + 1) * dimensions) throw new ArgumentException($"itemEmbeddings needs {(items + 1) * dimensions} values.", nameof(itemEmbeddings));
        if (positions.Length != (long)maxLength * dimensions) throw new ArgumentException($"positions needs {maxLength * dimensions} values.", nameof(positions));
        ArgumentOutOfRangeException.ThrowIfLessThan(blocks.Count, 1, nameof(blocks));
        foreach (var block in blocks) block.Validate(dimensions);
        if (finalNorm.Scale.Length != dimensions || finalNorm.Shift.Length != dimensions) throw new ArgumentException($"finalNorm needs {dimensions} values each.", nameof(finalNorm));
        Items = items;
        Dimensions = dimensions;
        MaxLength = maxLength;
        ItemEmbeddings = itemEmbeddings;
        Positions = positions;
        Blocks = blocks;
        FinalNorm = finalNorm;
        Parameters = parameters;
    }

    /// <inheritdoc/>
    public string Name => ModelName;

    /// <inheritdoc/>
    public int Items { get; }

    /// <summary>Hidden size d.</summary>
    public int Dimensions { get; }

    /// <summary>Positions L: the most recent items the model reads.</summary>
    public int MaxLength { get; }

    /// <summary>E, (I + 1) × d; row i + 1 is item i.</summary>
    public float[] ItemEmbeddings { get; }

    /// <summary>P, L × d.</summary>
    public float[] Positions { get; }

    /// <summary>The attention blocks.</summary>
    public IReadOnlyList<SasRecBlock> Blocks { get; }

    /// <summary>LN_last.</summary>
    public (float[] Scale, float[] Shift) FinalNorm { get; }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, double> Parameters { get; }

    /// <summary>
    /// The model as the cluster serves it: a factor model whose item rows are the item embeddings and whose users'
    /// vectors are this model's state after their items in time order (<see cref="FactorModel.Sequence"/>).
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
        var rows = ItemEmbeddings.AsSpan(Dimensions).ToArray();
        return new FactorModel(version, trainedAt, dataCutoff, Dimensions, alpha: 0f, regularization: 0f, itemIds, rows,
            GramMatrix.Compute(rows, Items, Dimensions), itemPopularity, metrics, sequence: this);
    }

    /// <inheritdoc/>
    public void Score(ReadOnlySpan<int> items, ReadOnlySpan<float> values, Span<float> scores)
    {
        if (items.Length != values.Length) throw new ArgumentException("items and values differ in length.", nameof(values));
        if (scores.Length != Items) throw new ArgumentException($"scores needs {Items} elements, got {scores.Length}.", nameof(scores));
        // The history in time order: sort by place, keep the last L.
        var order = items.ToArray();
        var places = values.ToArray();
        Array.Sort(places, order);
        var sequence = order.AsSpan(Math.Max(0, order.Length - MaxLength));
        var state = new float[Dimensions];
        Encode(sequence, state);
        Scoring.ScoreAll(ItemEmbeddings.AsSpan(Dimensions), Dimensions, state, scores);
    }

    /// <summary>The user's state h after the last item of <paramref name="sequence"/> (item rows, oldest first, at most L).</summary>
    /// <param name="sequence">Item rows in time order.</param>
    /// <param name="state">Receives h, d floats.</param>
    public void Encode(ReadOnlySpan<int> sequence, Span<float> state)
    {
        int d = Dimensions, n = sequence.Length;
        if (n > MaxLength) throw new ArgumentException($"At most {MaxLength} items, got {n}.", nameof(sequence));
        if (state.Length != d) throw new ArgumentException($"state needs {d} elements.", nameof(state));
        if (n == 0)
        {
            state.Clear();
            return;
        }
        // Scratch from the pool: five n × d matrices and three rows, returned below.
        var pooled = System.Buffers.ArrayPool<float>.Shared.Rent(5 * n * d + n + 2 * d);
        try
        {
            Encode(sequence, state, pooled.AsSpan(0, 5 * n * d + n + 2 * d));
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(pooled);
        }
    }

    private void Encode(ReadOnlySpan<int> sequence, Span<float> state, Span<float> scratch)
    {
        int d = Dimensions, n = sequence.Length;
        var x = scratch[..(n * d)];
        var q = scratch.Slice(n * d, n * d);
        var qp = scratch.Slice(2 * n * d, n * d);
        var kp = scratch.Slice(3 * n * d, n * d);
        var vp = scratch.Slice(4 * n * d, n * d);
        var weights = scratch.Slice(5 * n * d, n);
        var hidden = scratch.Slice(5 * n * d + n, d);
        var ffn = scratch.Slice(5 * n * d + n + d, d);
        float scale = MathF.Sqrt(d);
        for (int t = 0; t < n; t++)
        {
            int item = sequence[t];
            if ((uint)item >= (uint)Items) throw new ArgumentOutOfRangeException(nameof(sequence), item, $"Item outside [0, {Items}).");
            var row = x.Slice(t * d, d);
            TensorPrimitives.Multiply(ItemEmbeddings.AsSpan((item + 1) * d, d), scale, row);
            TensorPrimitives.Add(row, Positions.AsSpan((MaxLength - n + t) * d, d), row);
        }
        foreach (var block in Blocks)
        {
            for (int t = 0; t < n; t++)
                LayerNorm(x.Slice(t * d, d), block.AttentionNorm, q.Slice(t * d, d));
            for (int t = 0; t < n; t++)
            {
                Linear(block.Query, q.Slice(t * d, d), qp.Slice(t * d, d));
                Linear(block.Key, x.Slice(t * d, d), kp.Slice(t * d, d));
                Linear(block.Value, x.Slice(t * d, d), vp.Slice(t * d, d));
            }
            float inverse = 1f / MathF.Sqrt(d);
            for (int t = 0; t < n; t++)
            {
                // Causal: position t attends to 0..t.
                var w = weights[..(t + 1)];
                for (int s = 0; s <= t; s++) w[s] = TensorPrimitives.Dot(qp.Slice(t * d, d), kp.Slice(s * d, d)) * inverse;
                TensorPrimitives.SoftMax(w, w);
                var mixed = hidden;
                mixed.Clear();
                for (int s = 0; s <= t; s++) TensorPrimitives.MultiplyAdd(vp.Slice(s * d, d), w[s], mixed, mixed);
                Linear(block.Output, mixed, qp.Slice(t * d, d)); // qp's row t is spent: it now holds the attended row
            }
            for (int t = 0; t < n; t++)
            {
                var row = x.Slice(t * d, d);
                TensorPrimitives.Add(q.Slice(t * d, d), qp.Slice(t * d, d), row);
                LayerNorm(row, block.ForwardNorm, row);
                Linear(block.Inner, row, hidden);
                TensorPrimitives.Max(hidden, 0f, hidden);
                Linear(block.Outer, hidden, ffn);
                TensorPrimitives.Add(row, ffn, row);
            }
        }
        LayerNorm(x.Slice((n - 1) * d, d), FinalNorm, state);
    }

    // W x + b with the catalog-scoring kernel (four weight rows per pass): a d × d layer is a d-item "catalog" scored
    // against x, which ran ~3× faster than a dot product call per output.
    private static void Linear((float[] Weight, float[] Bias) layer, ReadOnlySpan<float> input, Span<float> output)
    {
        Scoring.ScoreAll(layer.Weight, input.Length, input, output);
        TensorPrimitives.Add(output, layer.Bias, output);
    }

    private static void LayerNorm(ReadOnlySpan<float> input, (float[] Scale, float[] Shift) norm, Span<float> output)
    {
        float mean = TensorPrimitives.Sum(input) / input.Length;
        float variance = 0;
        foreach (float v in input) variance += (v - mean) * (v - mean);
        variance /= input.Length;
        float inverse = 1f / MathF.Sqrt(variance + LayerNormEpsilon);
        for (int i = 0; i < input.Length; i++) output[i] = (input[i] - mean) * inverse * norm.Scale[i] + norm.Shift[i];
    }
}

/// <summary>One SASRec block's weights; linear weights are [out, in] row-major with their biases.</summary>
/// <param name="AttentionNorm">LN_a.</param>
/// <param name="Query">W_q, b_q.</param>
/// <param name="Key">W_k, b_k.</param>
/// <param name="Value">W_v, b_v.</param>
/// <param name="Output">W_o, b_o.</param>
/// <param name="ForwardNorm">LN_f.</param>
/// <param name="Inner">W₁, b₁ of the feed-forward layer.</param>
/// <param name="Outer">W₂, b₂ of the feed-forward layer.</param>
public sealed record SasRecBlock((float[] Scale, float[] Shift) AttentionNorm, (float[] Weight, float[] Bias) Query, (float[] Weight, float[] Bias) Key,
    (float[] Weight, float[] Bias) Value, (float[] Weight, float[] Bias) Output, (float[] Scale, float[] Shift) ForwardNorm,
    (float[] Weight, float[] Bias) Inner, (float[] Weight, float[] Bias) Outer)
{
    /// <summary>Checks every array's length for hidden size <paramref name="d"/>.</summary>
    public void Validate(int d)
    {
        foreach (var (scale, shift) in new[] { AttentionNorm, ForwardNorm })
            if (scale.Length != d || shift.Length != d) throw new ArgumentException($"A layer norm needs {d} values each.");
        foreach (var (weight, bias) in new[] { Query, Key, Value, Output, Inner, Outer })
            if (weight.Length != d * d || bias.Length != d) throw new ArgumentException($"A linear layer needs {d}×{d} weights and {d} biases.");
    }
}
