namespace Personalization.Recommender.Evaluation;

/// <summary>Settings of <see cref="NewItemEvaluation"/>.</summary>
public sealed class NewItemOptions
{
    /// <summary>
    /// Share of the eligible items, the newest by their first interaction, held out of training entirely. Eligible are
    /// the items with more interactions than the largest step, so that every step has later viewers to judge by: the
    /// newest items of a log are mostly its long tail, which no step could measure.
    /// </summary>
    public double HeldOutFraction { get; init; } = 0.1;

    /// <summary>Interactions replayed before each measurement.</summary>
    public IReadOnlyList<int> Steps { get; init; } = [0, 1, 5, 20, 50];

    /// <summary>Length of each viewer's ranking.</summary>
    public int K { get; init; } = 20;
}

/// <summary>One step of <see cref="NewItemEvaluation"/>: mean Recall@K over the held-out items with more interactions than the step.</summary>
/// <param name="Interactions">Interactions replayed (the step).</param>
/// <param name="Items">Held-out items measured: those with at least one later viewer the model knows.</param>
/// <param name="LaterViewers">Later viewers judged, over those items.</param>
/// <param name="Content">Recall with the content-mapped vector alone; null when no item was measured.</param>
/// <param name="Live">Recall with the vector folded in from the replayed interactions (<see cref="ItemFoldIn"/>).</param>
/// <param name="Retrain">Recall after a full retrain that includes the replayed interactions (null at step 0: nothing to train on).</param>
public sealed record NewItemStep(int Interactions, int Items, int LaterViewers, double? Content, double? Live, double? Retrain)
{
    /// <summary>The share of the gap between content and retrain that live fold-in closes: (live − content) / (retrain − content).</summary>
    public double? GapClosed => Retrain - Content is > 0 and var gap ? (Live - Content) / gap : null;
}

/// <summary>
/// The new-item protocol: how soon a title learns from its first viewers. The newest items (of those with enough
/// interactions to measure every step) are held out of training entirely; their interactions are replayed in time order, and after each step every held-out item is judged by
/// Recall@K among its later viewers (the share of them whose top K, over the trained catalog, holds it), with three
/// vectors: its content-mapped one, the one the item grains fold in live from the replayed viewers, and the one a full
/// retrain with the replayed interactions gives (the upper bound).
/// </summary>
/// <remarks>
/// Each held-out item competes alone against the trained catalog (minus what the viewer already has), so the figure
/// does not depend on the other new items. Viewers are judged with the vectors the model trained for them; the live
/// fold-in uses the same vectors, as the user grains would hold them.
/// </remarks>
public static class NewItemEvaluation
{
    /// <summary>Runs the protocol.</summary>
    /// <param name="matrix">User × item signal weights.</param>
    /// <param name="firstSeen">When each stored entry was first seen (Unix seconds, storage order).</param>
    /// <param name="itemFeatures">Content features per item column (genres, tags), for the content mapping.</param>
    /// <param name="als">The ALS settings (also the fold-in's α and λ).</param>
    /// <param name="content">The content mapping's settings.</param>
    /// <param name="options">Protocol settings.</param>
    /// <param name="progress">A line per stage.</param>
    /// <param name="cancellationToken">Stops the work.</param>
    public static IReadOnlyList<NewItemStep> Evaluate(InteractionMatrix matrix, ReadOnlySpan<long> firstSeen, IReadOnlyList<IReadOnlyList<string>> itemFeatures,
        AlsOptions als, ContentMappingOptions content, NewItemOptions options, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(itemFeatures);
        ArgumentNullException.ThrowIfNull(als);
        ArgumentNullException.ThrowIfNull(options);
        if (firstSeen.Length != matrix.NonZeros) throw new ArgumentException($"{firstSeen.Length} times for {matrix.NonZeros} entries.", nameof(firstSeen));
        if (itemFeatures.Count != matrix.Columns) throw new ArgumentException($"{itemFeatures.Count} feature lists for {matrix.Columns} items.", nameof(itemFeatures));
        if (!(options.HeldOutFraction > 0 && options.HeldOutFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(options), options.HeldOutFraction, "The held-out fraction must be in (0, 1).");
        int k = als.Factors;

        // Every item's interactions in time order; the newest items by their first one are held out.
        var byItem = new List<(int User, float Weight, long Time)>[matrix.Columns];
        for (int u = 0; u < matrix.Rows; u++)
            for (int p = matrix.RowPointers[u]; p < matrix.RowPointers[u + 1]; p++)
                (byItem[matrix.ColumnIndices[p]] ??= []).Add((u, matrix.Weights[p], firstSeen[p]));
        int largest = options.Steps.Count == 0 ? 0 : options.Steps.Max();
        var eligible = Enumerable.Range(0, matrix.Columns).Where(i => byItem[i] is { } list && list.Count > largest).ToList();
        if (eligible.Count == 0) throw new ArgumentException($"No item has more than {largest} interactions, the largest step.", nameof(options));
        foreach (int i in eligible) byItem[i].Sort((a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.User.CompareTo(b.User));
        var heldOut = eligible.OrderByDescending(i => byItem[i][0].Time).ThenBy(i => i)
            .Take(Math.Max(1, (int)Math.Round(eligible.Count * options.HeldOutFraction))).OrderBy(i => i).ToArray();
        var isHeldOut = new bool[matrix.Columns];
        foreach (int i in heldOut) isHeldOut[i] = true;
        progress?.Report($"{heldOut.Length} of the {eligible.Count} items with more than {largest} interactions held out (the newest by their first interaction)");

        // The base model, trained without them, and the content mapping fitted on what it trained.
        var baseModel = Train(matrix, isHeldOut, byItem, heldOut, 0, als, cancellationToken);
        var userGram = GramMatrix.Compute(baseModel.UserFactors, matrix.Rows, k);
        var trainedFeatures = itemFeatures.Select((f, i) => isHeldOut[i] ? (IReadOnlyList<string>)[] : f).ToArray();
        var mapping = ContentMapping.Fit(trainedFeatures, baseModel.ItemFactors, k, content);
        var contentVectors = new float[matrix.Columns * k];
        foreach (int i in heldOut) mapping.TryMap(itemFeatures[i], contentVectors.AsSpan(i * k, k));
        // Only viewers of held-out items are ever judged: nobody else's top K is needed.
        var judged = new bool[matrix.Rows];
        foreach (int item in heldOut)
            foreach (var (user, weight, _) in byItem[item])
                if (weight > 0) judged[user] = true;
        var baseThresholds = Thresholds(matrix, isHeldOut, judged, baseModel, options.K);
        // Users the base model knows: they have training entries outside the held-out items.
        var known = new bool[matrix.Rows];
        for (int u = 0; u < matrix.Rows; u++)
            foreach (int column in matrix.RowColumns(u))
                if (!isHeldOut[column]) { known[u] = true; break; }

        var steps = new List<NewItemStep>();
        var live = new float[k];
        foreach (int n in options.Steps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            AlsResult? retrained = n > 0 ? Train(matrix, isHeldOut, byItem, heldOut, n, als, cancellationToken) : null;
            var retrainThresholds = retrained is null ? null : Thresholds(matrix, isHeldOut, judged, retrained, options.K);
            double contentSum = 0, liveSum = 0, retrainSum = 0;
            int items = 0, viewers = 0;
            foreach (int item in heldOut)
            {
                var history = byItem[item];
                if (history.Count <= n) continue;
                var later = history.Skip(n).Where(h => h.Weight > 0 && known[h.User]).Select(h => h.User).Distinct().ToList();
                if (later.Count == 0) continue;
                var shown = history.Take(n).Where(h => known[h.User]).GroupBy(h => h.User).Select(g => (User: g.Key, Weight: g.Sum(h => h.Weight))).ToList();
                var vectors = new float[shown.Count * k];
                for (int s = 0; s < shown.Count; s++) baseModel.UserFactors.AsSpan(shown[s].User * k, k).CopyTo(vectors.AsSpan(s * k, k));
                var prior = contentVectors.AsSpan(item * k, k);
                ItemFoldIn.Solve(userGram, k, prior, 1.0, vectors, shown.Select(s => s.Weight).ToArray(), als.Alpha, Math.Max(als.Regularization, 1e-3f), live);

                contentSum += Recall(later, baseModel.UserFactors, prior, baseThresholds, k);
                liveSum += Recall(later, baseModel.UserFactors, live, baseThresholds, k);
                if (retrained is not null) retrainSum += Recall(later, retrained.UserFactors, retrained.ItemFactors.AsSpan(item * k, k), retrainThresholds!, k);
                items++;
                viewers += later.Count;
            }
            var step = new NewItemStep(n, items, viewers, items > 0 ? contentSum / items : null, items > 0 ? liveSum / items : null,
                retrained is not null && items > 0 ? retrainSum / items : null);
            steps.Add(step);
            progress?.Report(FormattableString.Invariant($"after {n} interactions: {items} items, {viewers} later viewers; recall@{options.K} content {step.Content:F4}, live {step.Live:F4}, retrain {step.Retrain:F4}"));
        }
        return steps;
    }

    // ALS on every entry of the trained items plus the first n interactions of each held-out item.
    private static AlsResult Train(InteractionMatrix matrix, bool[] isHeldOut, List<(int User, float Weight, long Time)>[] byItem, int[] heldOut, int n,
        AlsOptions als, CancellationToken cancellationToken)
    {
        var entries = new List<MatrixEntry>(matrix.NonZeros);
        for (int u = 0; u < matrix.Rows; u++)
            for (int p = matrix.RowPointers[u]; p < matrix.RowPointers[u + 1]; p++)
                if (!isHeldOut[matrix.ColumnIndices[p]]) entries.Add(new MatrixEntry(u, matrix.ColumnIndices[p], matrix.Weights[p]));
        foreach (int item in heldOut)
            foreach (var (user, weight, _) in byItem[item].Take(n))
                entries.Add(new MatrixEntry(user, item, weight));
        var training = InteractionMatrix.FromEntries(matrix.Rows, matrix.Columns, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(entries));
        return new ImplicitAlsTrainer(als).Fit(training, cancellationToken: cancellationToken);
    }

    // Each judged user's K-th best score over the trained items they have not interacted with: a held-out item is in
    // their top K when it scores above it.
    private static float[] Thresholds(InteractionMatrix matrix, bool[] isHeldOut, bool[] judged, AlsResult model, int topK)
    {
        int k = model.Factors;
        var thresholds = new float[matrix.Rows];
        var scores = new float[matrix.Columns];
        var indices = new int[topK];
        var top = new float[topK];
        for (int u = 0; u < matrix.Rows; u++)
        {
            if (!judged[u]) continue;
            Scoring.ScoreAll(model.ItemFactors, k, model.UserFactors.AsSpan(u * k, k), scores);
            for (int i = 0; i < scores.Length; i++)
                if (isHeldOut[i]) scores[i] = float.NegativeInfinity;
            foreach (int column in matrix.RowColumns(u)) scores[column] = float.NegativeInfinity;
            int found = TopK.Select(scores, indices, top);
            thresholds[u] = found < topK ? float.NegativeInfinity : top[topK - 1];
        }
        return thresholds;
    }

    private static double Recall(List<int> viewers, float[] userFactors, ReadOnlySpan<float> item, float[] thresholds, int k)
    {
        int hits = 0;
        foreach (int user in viewers)
        {
            float score = System.Numerics.Tensors.TensorPrimitives.Dot(userFactors.AsSpan(user * k, k), item);
            if (score > thresholds[user]) hits++;
        }
        return hits / (double)viewers.Count;
    }
}
