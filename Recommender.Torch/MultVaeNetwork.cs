using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Personalization.Recommender.Torch;

/// <summary>
/// The Mult-VAE network in libtorch: a sparse first layer (an embedding bag: the sum of the rows of the user's items,
/// each weighted 1/√n, the L2-normalized binary input without a dense I-wide matrix), tanh, a layer giving μ and
/// log σ², the reparameterized code, and one linear decoder to item logits. <see cref="Models.MultVaeModel"/> holds the
/// same weights as arrays.
/// </summary>
internal sealed class MultVaeNetwork : nn.Module<MultVaeBatch, (Tensor Logits, Tensor Mean, Tensor LogVariance)>
{
    private readonly EmbeddingBag _encoder;
    private readonly Parameter _encoderBias;
    private readonly Linear _head;
    private readonly Linear _decoder;
    private readonly int _latent;

    // Every scalar the graph uses is made once and held here. An implicit conversion (1 + t, 0.5 * t, or an operator's
    // default alpha) makes a Scalar that nothing references once its handle is passed to libtorch, so the finalizer may
    // free it during the native call: with two intra-op threads that showed as "Unknown scalar type" mid-training.
    private static readonly Scalar One = 1.0.ToScalar();
    private static readonly Scalar Half = 0.5.ToScalar();
    private static readonly Scalar MinusHalf = (-0.5).ToScalar();
    private static readonly Scalar MinusOne = (-1.0).ToScalar();

    public MultVaeNetwork(int items, int hidden, int latent, ScalarType dtype = ScalarType.Float32) : base(nameof(MultVaeNetwork))
    {
        _latent = latent;
        _encoder = nn.EmbeddingBag(items, hidden, mode: EmbeddingBagMode.Sum, dtype: dtype);
        _encoderBias = nn.Parameter(zeros(hidden, dtype: dtype));
        _head = nn.Linear(hidden, 2 * latent, dtype: dtype);
        _decoder = nn.Linear(latent, items, dtype: dtype);
        // Glorot initialization of the weights and small normal biases, as the paper's code does.
        nn.init.xavier_uniform_(_encoder.weight);
        nn.init.xavier_uniform_(_head.weight);
        nn.init.xavier_uniform_(_decoder.weight);
        nn.init.normal_(_encoderBias, 0, 0.001);
        nn.init.normal_(_head.bias!, 0, 0.001);
        nn.init.normal_(_decoder.bias!, 0, 0.001);
        RegisterComponents();
    }

    public Tensor EncoderWeight => _encoder.weight!;
    public Tensor EncoderBias => _encoderBias;
    public Tensor HeadWeight => _head.weight;
    public Tensor HeadBias => _head.bias!;
    public Tensor DecoderWeight => _decoder.weight;
    public Tensor DecoderBias => _decoder.bias!;

    /// <summary>Logits, μ and log σ²; in training the code is μ + σ·ε, in evaluation μ.</summary>
    public override (Tensor Logits, Tensor Mean, Tensor LogVariance) forward(MultVaeBatch batch)
    {
        var hidden = _encoder.forward(batch.Items, batch.Offsets, batch.Weights).add(_encoderBias, One).tanh();
        var head = _head.forward(hidden);
        var mean = head.narrow(1, 0, _latent);
        var logVariance = head.narrow(1, _latent, _latent);
        var code = training ? mean.add(logVariance.mul(Half).exp().mul(randn_like(mean)), One) : mean;
        return (_decoder.forward(code), mean, logVariance);
    }

    /// <summary>
    /// The negative ELBO per user: −Σᵢ xᵢ log softmax(logits)ᵢ + β·KL(q(z|x) ‖ N(0, I)), averaged over the batch, with x
    /// the binary targets (all the user's items, whatever the input dropout removed).
    /// </summary>
    public static Tensor Loss(Tensor logits, Tensor mean, Tensor logVariance, Tensor targets, double beta)
    {
        var likelihood = nn.functional.log_softmax(logits, 1).mul(targets).sum(1).mean().neg();
        var kl = logVariance.add(One, One).add(mean.square(), MinusOne).add(logVariance.exp(), MinusOne).sum(1).mean().mul(MinusHalf);
        using var weight = beta.ToScalar();
        var loss = likelihood.add(kl, weight);
        GC.KeepAlive(weight);
        return loss;
    }
}

/// <summary>A batch of users as the embedding bag takes them: item indices, each user's start, and the per-item weights.</summary>
internal sealed record MultVaeBatch(Tensor Items, Tensor Offsets, Tensor Weights);
