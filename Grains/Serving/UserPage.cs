namespace Personalization.Grains.Serving;

/// <summary>What the ranker needs to know of one user to build a page, in serving-model rows.</summary>
/// <param name="Vector">The live ALS vector, or null for a user the model knows nothing about (cold start).</param>
/// <param name="Exclude">Rows left out of every discovery row: started, finished, rated, thumbed or disliked.</param>
/// <param name="InProgress">Rows started and not finished, most recent first, with the furthest position in seconds.</param>
/// <param name="Anchor">The row of "Because you watched", or -1.</param>
/// <param name="GenreAffinity">Summed positive signal per genre id.</param>
/// <param name="ArtworkContext">The user's features for the artwork bandit (see <c>ArtworkContext</c>).</param>
public sealed record UserPage(float[]? Vector, IReadOnlySet<int> Exclude, IReadOnlyList<(int Row, float ProgressSeconds)> InProgress, int Anchor,
    double[] GenreAffinity, float[] ArtworkContext);
