namespace Personalization.Recommender.Evaluation;

/// <summary>What one stored entry of the user × item matrix is used for in an <see cref="EvaluationSplit"/>.</summary>
public enum EntryRole : byte
{
    /// <summary>Trains the model. Under <see cref="SplitProtocol.Holdout"/> it also describes its user at scoring time.</summary>
    Train = 0,

    /// <summary>Describes a held-out user at scoring time (<see cref="SplitProtocol.HeldOutUsers"/> only); never trained on.</summary>
    FoldIn = 1,

    /// <summary>Hidden from the model; the ranking is judged against it.</summary>
    Test = 2,
}
