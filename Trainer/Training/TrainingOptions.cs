using Personalization.Recommender;

namespace Personalization.Trainer.Training;

/// <summary>Training settings, bound from the <c>Training</c> section (and trainer CLI options).</summary>
public sealed class TrainingOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Training";

    /// <summary>
    /// The model the cluster serves: <c>als</c>, <c>multvae</c> or <c>sasrec</c> (neural models, whose user side the grains
    /// run instead of the fold-in; they train with libtorch, which the trainer CLI carries and the silo does not).
    /// </summary>
    public string Model { get; set; } = "als";

    /// <summary>Latent factors (Mult-VAE: the latent size).</summary>
    public int Factors { get; set; } = 64;

    /// <summary>ALS iterations.</summary>
    public int Iterations { get; set; } = 15;

    /// <summary>L2 regularization (lambda).</summary>
    /// <remarks>
    /// λ 20 with α 10, measured under the cold-start protocol (held-out users folded in from their first 1, 3 or 10
    /// events; docs/trainer.md): better than the old λ 0.1 at every N on MovieLens and on the synthetic catalog. The
    /// trainer's α 1 ranks better still offline, but the user grains fold in with the model's α, and at α 1 one
    /// thumbs-down or eight plays barely move a new member's vector: a new Horror fan got 13 Horror titles in 20 and
    /// a disliked item's neighbours rose instead of falling.
    /// </remarks>
    public float Regularization { get; set; } = AlsOptions.DefaultRegularization;

    /// <summary>Confidence scale: c = 1 + alpha * |signal|. Higher than the trainer's (see <see cref="Regularization"/>).</summary>
    public float Alpha { get; set; } = 10f;

    /// <summary>Row solver: conjugate gradient (fast) or Cholesky (exact).</summary>
    public AlsSolver Solver { get; set; } = AlsSolver.ConjugateGradient;

    /// <summary>Conjugate-gradient steps per row.</summary>
    public int CgSteps { get; set; } = 3;

    /// <summary>Training threads (0: all cores).</summary>
    public int Threads { get; set; }

    /// <summary>Random seed of the factor initialization.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Evaluate every candidate on a holdout split before publishing it (the publish gate needs this).</summary>
    public bool Evaluate { get; set; } = true;

    /// <summary>
    /// The protocol of the evaluation that gates publishing (<c>time</c>, <c>last</c>, <c>holdout</c> or <c>users</c>;
    /// see <see cref="Evaluation.OfflineEvaluation.Split"/>). <c>time</c> by default: a candidate trained on the past
    /// and judged on the newest interactions is judged as production will use it.
    /// </summary>
    public string GateProtocol { get; set; } = "time";

    /// <summary>
    /// Re-tune λ and α (successive halving on a validation split of <see cref="GateProtocol"/>, as <c>tune</c> does) once
    /// this many model versions have been published since the last tuning; 0 (the default) never tunes and trains with
    /// <see cref="Regularization"/> and <see cref="Alpha"/>. The chosen values live in the registry with each model
    /// (<c>tuned.regularization</c>, <c>tuned.alpha</c>, <c>tuned.version</c>), so every training in between, on any
    /// trainer, uses them.
    /// </summary>
    public int RetuneEvery { get; set; }

    /// <summary>Configurations a re-tuning draws.</summary>
    public int TuneConfigurations { get; set; } = 27;

    /// <summary>Share held out for the evaluation (of all interactions after the cutoff under <c>time</c>, of each user's under <c>holdout</c>).</summary>
    public double TestFraction { get; set; } = 0.2;

    /// <summary>Seed of the evaluation split; fixed so successive models are compared on alike splits.</summary>
    public int EvaluationSeed { get; set; } = 1;

    /// <summary>Cut-off K of the ranking metrics.</summary>
    public int K { get; set; } = 20;

    /// <summary>The metric the publish gate compares (a key of the model's metrics).</summary>
    public string GateMetric { get; set; } = "time.ndcg@20";

    /// <summary>
    /// A candidate is published unless its <see cref="GateMetric"/> falls below the serving model's by more than this
    /// share (0.05: at most 5 % worse). Negative values demand an improvement.
    /// </summary>
    public double PublishMargin { get; set; } = 0.05;

    /// <summary>
    /// Learn a content mapping (genres and tags of the catalog to the factor space) with every model, so items added
    /// after training can be recommended from their content at once.
    /// </summary>
    public bool LearnContentMapping { get; set; } = true;

    /// <summary>Ridge λ of the content mapping (see <see cref="ContentMappingOptions.Regularization"/>).</summary>
    public double ContentRegularization { get; set; } = new ContentMappingOptions().Regularization;

    /// <summary>Content features on fewer trained items than this are ignored.</summary>
    public int ContentMinItems { get; set; } = new ContentMappingOptions().MinItemsPerFeature;

    /// <summary>At most this many content features, the most frequent.</summary>
    public int ContentMaxFeatures { get; set; } = new ContentMappingOptions().MaxFeatures;

    /// <summary>Share of the items with content held out to measure the mapping (<c>content.holdout_cosine</c>).</summary>
    public double ContentHoldoutFraction { get; set; } = 0.1;

    /// <summary>The content mapping options these settings mean.</summary>
    public ContentMappingOptions ToContentOptions() => new()
    {
        Regularization = ContentRegularization, MinItemsPerFeature = ContentMinItems, MaxFeatures = ContentMaxFeatures,
    };

    /// <summary>The ALS options these settings mean.</summary>
    public AlsOptions ToAlsOptions(float? regularization = null, float? alpha = null) => new()
    {
        Factors = Factors, Iterations = Iterations, Regularization = regularization ?? Regularization, Alpha = alpha ?? Alpha, Seed = Seed,
        Solver = Solver, CgSteps = CgSteps, ComputeLoss = true,
        Threads = Threads > 0 ? Threads : Environment.ProcessorCount,
    };
}
