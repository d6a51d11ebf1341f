namespace Personalization.Recommender.Evaluation;

/// <summary>How an <see cref="EvaluationSplit"/> divides users and entries between training and evaluation.</summary>
public enum SplitProtocol
{
    /// <summary>
    /// Weak generalization: every user keeps most entries for training and some are hidden as test; users are scored
    /// from their own training entries, so fold-in equals train.
    /// </summary>
    Holdout = 0,

    /// <summary>
    /// Strong generalization (Liang et al. 2018, "Variational Autoencoders for Collaborative Filtering"): some users are
    /// absent from training altogether and are scored from a fold-in share of their entries, judged on the rest.
    /// </summary>
    HeldOutUsers = 1,
}
