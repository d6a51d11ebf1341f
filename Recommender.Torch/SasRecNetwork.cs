using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Personalization.Recommender.Torch;

/// <summary>
/// SASRec in libtorch, laid out exactly as <see cref="Models.SasRecModel"/> computes it: shared item embeddings scaled
/// by √d plus learned positions, blocks of (layer norm, one-head causal attention with a residual from the normed
/// input, layer norm, ReLU feed-forward with a residual), a final layer norm. Sequences are padded on the left with
/// item 0; a key that is padding is masked, except a position's own, so a padded row never softmaxes over nothing.
/// </summary>
internal sealed class SasRecNetwork : nn.Module<Tensor, Tensor>
{
    private static readonly Scalar Zero = 0.0.ToScalar();
    private static readonly Scalar One = 1.0.ToScalar();
    private static readonly Scalar NegativeInfinity = double.NegativeInfinity.ToScalar();

    private readonly Embedding _items;
    private readonly Embedding _positions;
    private readonly ModuleList<SasRecLayer> _blocks = new();
    private readonly LayerNorm _final;
    private readonly int _dimensions;
    private readonly double _dropout;

    public SasRecNetwork(int items, int dimensions, int maxLength, int blocks, double dropout, ScalarType dtype = ScalarType.Float32) : base(nameof(SasRecNetwork))
    {
        _dimensions = dimensions;
        _dropout = dropout;
        _items = nn.Embedding(items + 1, dimensions, padding_idx: 0, dtype: dtype);
        _positions = nn.Embedding(maxLength, dimensions, dtype: dtype);
        for (int b = 0; b < blocks; b++) _blocks.Add(new SasRecLayer(dimensions, dtype));
        _final = nn.LayerNorm(dimensions, dtype: dtype);
        nn.init.normal_(_items.weight!, 0, 0.05);
        nn.init.normal_(_positions.weight!, 0, 0.05);
        using (no_grad()) _items.weight![0].zero_();
        RegisterComponents();
    }

    public Tensor ItemWeights => _items.weight!;
    public Tensor PositionWeights => _positions.weight!;
    public IReadOnlyList<SasRecLayer> Layers => _blocks.ToList();
    public LayerNorm Final => _final;

    /// <summary>The final states of every position: [batch, L, d] for item ids [batch, L] (0 = padding, item i is i + 1).</summary>
    public override Tensor forward(Tensor sequences)
    {
        long length = sequences.shape[1];
        using var scale = Math.Sqrt(_dimensions).ToScalar();
        var x = _items.forward(sequences).mul(scale).add(_positions.forward(arange(length, device: sequences.device)), One);
        x = nn.functional.dropout(x, _dropout, training);
        // keep[b, t, s]: s ≤ t and (s is an item or s == t).
        var causal = ones(length, length, dtype: ScalarType.Bool, device: sequences.device).tril();
        var isItem = sequences.ne(Zero).unsqueeze(1);
        var own = eye(length, dtype: ScalarType.Bool, device: sequences.device);
        var keep = causal.logical_and(isItem.logical_or(own));
        foreach (var block in _blocks) x = block.forward(x, keep, _dropout, training);
        return _final.forward(x);
    }

    /// <summary>Logits over every embedding row (row 0 = padding, never a target) for each position's next item.</summary>
    public Tensor Logits(Tensor states) => states.matmul(_items.weight!.t());

    /// <summary>Scales attention scores; masked keys get −∞ before the softmax.</summary>
    internal static Tensor Attend(Tensor scores, Tensor keep) => scores.masked_fill(keep.logical_not(), NegativeInfinity).softmax(-1);
}

/// <summary>One SASRec block.</summary>
internal sealed class SasRecLayer : nn.Module
{
    private static readonly Scalar One = 1.0.ToScalar();

    public SasRecLayer(int dimensions, ScalarType dtype) : base(nameof(SasRecLayer))
    {
        AttentionNorm = nn.LayerNorm(dimensions, dtype: dtype);
        Query = nn.Linear(dimensions, dimensions, dtype: dtype);
        Key = nn.Linear(dimensions, dimensions, dtype: dtype);
        Value = nn.Linear(dimensions, dimensions, dtype: dtype);
        Output = nn.Linear(dimensions, dimensions, dtype: dtype);
        ForwardNorm = nn.LayerNorm(dimensions, dtype: dtype);
        Inner = nn.Linear(dimensions, dimensions, dtype: dtype);
        Outer = nn.Linear(dimensions, dimensions, dtype: dtype);
        RegisterComponents();
    }

    public LayerNorm AttentionNorm { get; }
    public Linear Query { get; }
    public Linear Key { get; }
    public Linear Value { get; }
    public Linear Output { get; }
    public LayerNorm ForwardNorm { get; }
    public Linear Inner { get; }
    public Linear Outer { get; }

    public Tensor forward(Tensor x, Tensor keep, double dropout, bool training)
    {
        var q = AttentionNorm.forward(x);
        using var inverse = (1 / Math.Sqrt(x.shape[2])).ToScalar();
        var scores = Query.forward(q).matmul(Key.forward(x).transpose(1, 2)).mul(inverse);
        var weights = nn.functional.dropout(SasRecNetwork.Attend(scores, keep), dropout, training);
        var attended = Output.forward(weights.matmul(Value.forward(x)));
        x = ForwardNorm.forward(q.add(attended, One));
        var inner = nn.functional.dropout(Inner.forward(x).relu(), dropout, training);
        return x.add(nn.functional.dropout(Outer.forward(inner), dropout, training), One);
    }
}
