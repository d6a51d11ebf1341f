namespace Personalization.Contracts;

/// <summary>Kinds of interaction events. On the wire they are snake_case strings (<c>add_to_list</c>).</summary>
public enum InteractionType
{
    /// <summary>Started playing the item.</summary>
    Play,
    /// <summary>Watched for <c>value</c> seconds.</summary>
    Watch,
    /// <summary>An explicit rating, <c>value</c> 0.5 to 5.</summary>
    Rating,
    /// <summary>Thumbs up (+1) or down (-1) in <c>value</c>.</summary>
    Thumbs,
    /// <summary>Skipped the item.</summary>
    Skip,
    /// <summary>Paused playback.</summary>
    Pause,
    /// <summary>Rewound playback.</summary>
    Rewind,
    /// <summary>The item was shown.</summary>
    Impression,
    /// <summary>The item was clicked.</summary>
    Click,
    /// <summary>Added to the user's list.</summary>
    AddToList,
}

/// <summary>Wire names of <see cref="InteractionType"/>.</summary>
public static class InteractionTypes
{
    private static readonly Dictionary<string, InteractionType> ByName = Enum.GetValues<InteractionType>()
        .ToDictionary(WireName, t => t, StringComparer.Ordinal);

    /// <summary>All wire names, for error messages and docs.</summary>
    public static IReadOnlyCollection<string> Names => ByName.Keys;

    /// <summary>The wire name of a type (snake_case).</summary>
    public static string WireName(InteractionType type) => type switch
    {
        InteractionType.AddToList => "add_to_list",
        _ => type.ToString().ToLowerInvariant(),
    };

    /// <summary>Parses a wire name (exact, case-sensitive).</summary>
    public static bool TryParse(string? name, out InteractionType type) => ByName.TryGetValue(name ?? "", out type);
}
