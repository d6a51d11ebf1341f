namespace Personalization.Grains.Items;

/// <summary>An item grain's persistent state.</summary>
public sealed class ItemState : Streams.IStreamFedState
{
    /// <summary>The stream records this state holds.</summary>
    public Streams.StreamPosition Position { get; set; } = new();

    /// <summary>Plays and watches.</summary>
    public long Plays { get; set; }

    /// <summary>Impressions.</summary>
    public long Impressions { get; set; }

    /// <summary>Clicks.</summary>
    public long Clicks { get; set; }

    /// <summary>Decayed engagement as of <see cref="PopularityAtMs"/>.</summary>
    public double Popularity { get; set; }

    /// <summary>Unix ms the popularity value refers to.</summary>
    public long PopularityAtMs { get; set; }

    /// <summary>Unix ms of the newest event.</summary>
    public long? LastEventMs { get; set; }

    /// <summary>The artwork bandit's arms, by variant id.</summary>
    public Dictionary<string, ArtworkArm> Artwork { get; set; } = [];

    /// <summary>Grows with every bandit update (orders the policies the silos share).</summary>
    public long ArtworkVersion { get; set; }

    /// <summary>Highest source offset applied, per source partition (drops re-forwarded copies).</summary>
    public Dictionary<int, long> SourceOffsets { get; set; } = [];

    /// <summary>The (user, event id) pairs applied within the deduplication window.</summary>
    public Streams.EventIdWindow EventIds { get; set; } = new();

    /// <summary>The most recent interactions, oldest first (bounded by <see cref="LiveItemOptions.MaxRecent"/>).</summary>
    public List<ItemRecentEntry> Recent { get; set; } = [];

    /// <summary>Interactions recorded in <see cref="Recent"/> since the item's first, including those dropped from it.</summary>
    public long RecentTotal { get; set; }

    /// <summary>The live vector and what it is solved from; null until an event brings a user's vector.</summary>
    public LiveItemState? Live { get; set; }
}

/// <summary>One artwork variant's counters and bandit statistics.</summary>
public sealed class ArtworkArm
{
    /// <summary>Impressions with this variant.</summary>
    public long Impressions { get; set; }

    /// <summary>Clicks with this variant.</summary>
    public long Clicks { get; set; }

    /// <summary>Ridge statistics over the users' features (null until the first impression with features).</summary>
    public Recommender.Bandits.LinearArm? Model { get; set; }
}
