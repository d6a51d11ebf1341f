using Microsoft.Extensions.Options;
using Personalization.Contracts;

namespace Personalization.Grains.Signals;

/// <summary>
/// Maps events to signed signal weights. The trainer and the user grains use this one policy so the
/// batch model and the nearline fold-in agree on what an event means.
/// </summary>
public sealed class SignalPolicy(SignalOptions options)
{
    /// <summary>Creates the policy from bound options.</summary>
    public SignalPolicy(IOptions<SignalOptions> options) : this(options.Value) { }

    /// <summary>The default policy.</summary>
    public static SignalPolicy Default { get; } = new(new SignalOptions());

    /// <summary>The signed weight of one event.</summary>
    /// <param name="type">Event type.</param>
    /// <param name="value">Event value (seconds for a watch, stars for a rating, ±1 for thumbs).</param>
    /// <param name="durationSeconds">The item's length when known (a watch's <c>context.duration</c>).</param>
    public float Weight(InteractionType type, float? value, float? durationSeconds = null) => type switch
    {
        InteractionType.Play => options.Play,
        InteractionType.Watch => WatchWeight(value ?? 0f, durationSeconds),
        InteractionType.Rating => ((value ?? options.RatingNeutral) - options.RatingNeutral) * options.RatingScale,
        InteractionType.Thumbs => (value ?? 0f) >= 0 ? options.Thumbs : -options.Thumbs,
        InteractionType.Skip => options.Skip,
        InteractionType.Pause => options.Pause,
        InteractionType.Rewind => options.Rewind,
        InteractionType.Impression => options.Impression,
        InteractionType.Click => options.Click,
        InteractionType.AddToList => options.AddToList,
        _ => 0f,
    };

    /// <summary>
    /// A watch counts by the share of the item seen: finished counts fully (<see cref="SignalOptions.Watch"/>), a few
    /// minutes then gone is a mild negative (<see cref="SignalOptions.Abandoned"/>).
    /// </summary>
    private float WatchWeight(float seconds, float? durationSeconds)
    {
        float share = WatchedShare(seconds, durationSeconds);
        if (seconds < options.AbandonedSeconds && share < options.FinishedShare) return options.Abandoned;
        return options.Watch * share;
    }

    private float WatchedShare(float seconds, float? durationSeconds) =>
        Math.Clamp(seconds / (durationSeconds is > 0f ? durationSeconds.Value : options.WatchFullSeconds), 0f, 1f);

    /// <summary>
    /// Whether the event means the user is done with the item: a watch past <see cref="SignalOptions.FinishedShare"/>
    /// of it, a rating or a thumbs (a judgement implies it was seen). Finished items leave every row.
    /// </summary>
    public bool Finishes(InteractionType type, float? value, float? durationSeconds = null) => type switch
    {
        InteractionType.Watch => WatchedShare(value ?? 0f, durationSeconds) >= options.FinishedShare,
        InteractionType.Rating or InteractionType.Thumbs => true,
        _ => false,
    };

    /// <summary>Whether the event starts watching the item (a play or a watch): a candidate for "Continue watching".</summary>
    public static bool Starts(InteractionType type) => type is InteractionType.Play or InteractionType.Watch;

    /// <summary>
    /// Whether the event means the user has consumed or judged the item, so it is not recommended again
    /// (played, watched, rated, or thumbed).
    /// </summary>
    public static bool MarksConsumed(InteractionType type) =>
        type is InteractionType.Play or InteractionType.Watch or InteractionType.Rating or InteractionType.Thumbs;

    /// <summary>Weight of an event given by wire name; unknown names weigh nothing.</summary>
    public float Weight(string type, float? value) => InteractionTypes.TryParse(type, out var t) ? Weight(t, value) : 0f;

    /// <summary>The item length an event states in <c>context.duration</c> (seconds), if any.</summary>
    public static float? DurationOf(IReadOnlyDictionary<string, string>? context) =>
        context is not null && context.TryGetValue("duration", out var text)
        && float.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? seconds : null;
}
