namespace Personalization.Recommender;

/// <summary>
/// What <see cref="IvfItemIndex.Calibrate"/> measured: the fewest lists to probe for a target recall against a reference
/// index, on sample queries.
/// </summary>
/// <param name="Probes">Lists a search probes from now on (for up to <paramref name="Candidates"/> candidates).</param>
/// <param name="Recall">Recall@<paramref name="K"/> against the reference at <paramref name="Probes"/>, over all queries.</param>
/// <param name="Reached">Whether <paramref name="Recall"/> reached the target within the largest probe count allowed.</param>
/// <param name="ListCount">Lists of the index.</param>
/// <param name="ScannedFraction">Share of the catalog's items in the lists probed, averaged over the queries.</param>
/// <param name="K">Results compared per query.</param>
/// <param name="Candidates">Approximate candidates each search re-scored.</param>
/// <param name="Queries">Sample queries measured.</param>
public sealed record IvfCalibration(int Probes, double Recall, bool Reached, int ListCount, double ScannedFraction, int K, int Candidates, int Queries);
