namespace Personalization.Recommender.Bandits;

/// <summary>
/// The replay method (Li, Chu, Langford and Wang 2011): stream a log collected with uniformly random choices; where
/// the policy would have chosen what was logged, count the logged reward and let the policy learn from it, otherwise
/// skip the record. With a uniform logger the matched records are an unbiased sample of what the policy would have
/// met online, so the matched click rate estimates its CTR without deploying it (at the price of using only about
/// 1/variants of the log).
/// </summary>
public static class ReplayEvaluator
{
    /// <summary>Replays <paramref name="log"/> against <paramref name="policy"/>.</summary>
    /// <param name="policy">The policy; it learns as it goes.</param>
    /// <param name="log">Uniformly logged impressions, in time order.</param>
    /// <param name="variants">Variants per item.</param>
    /// <param name="simulator">When given, also the mean true click probability of the matched choices (a check of the estimate).</param>
    public static ReplayResult Replay(IArtworkPolicy policy, IReadOnlyList<LoggedImpression> log, int variants, ArtworkSimulator? simulator = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(log);
        long matched = 0, clicks = 0;
        double truth = 0;
        foreach (var record in log)
        {
            if (policy.Choose(record.Item, record.Context, variants) != record.Variant) continue;
            matched++;
            if (record.Click) clicks++;
            if (simulator is not null) truth += simulator.ClickProbability(record.Segment, record.Item, record.Variant);
            policy.Update(record.Item, record.Context, record.Variant, record.Click ? 1 : 0);
        }
        return new ReplayResult(policy.Name, log.Count, matched, clicks, matched > 0 ? (double)clicks / matched : double.NaN,
            simulator is not null && matched > 0 ? truth / matched : double.NaN);
    }
}

/// <summary>A replay's outcome.</summary>
/// <param name="Policy">Policy name.</param>
/// <param name="Logged">Records in the log.</param>
/// <param name="Matched">Records where the policy chose the logged variant.</param>
/// <param name="Clicks">Clicks among them.</param>
/// <param name="Ctr">Replayed CTR: clicks / matched.</param>
/// <param name="TrueCtr">Mean true click probability of the matched choices (simulator only), NaN otherwise.</param>
public sealed record ReplayResult(string Policy, long Logged, long Matched, long Clicks, double Ctr, double TrueCtr);
