namespace Personalization.Recommender;

/// <summary>One observed (row, column) signal used to build an <see cref="InteractionMatrix"/>.</summary>
/// <param name="Row">Zero-based row (user) index.</param>
/// <param name="Column">Zero-based column (item) index.</param>
/// <param name="Weight">Signed signal weight; positive means "liked", negative means "disliked" (see <see cref="ImplicitSignal"/>).</param>
public readonly record struct MatrixEntry(int Row, int Column, float Weight);
