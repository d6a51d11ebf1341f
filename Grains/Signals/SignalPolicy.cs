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
    public float Weight(InteractionType type, float? value) => type switch
    {
        InteractionType.Play => options.Play,
        InteractionType.Watch => options.Watch * Math.Clamp((value ?? 0f) / options.WatchFullSeconds, 0f, 1f),
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
    /// Whether the event means the user has consumed or judged the item, so it is not recommended again
    /// (played, watched, rated, or thumbed).
    /// </summary>
    public static bool MarksConsumed(InteractionType type) =>
        type is InteractionType.Play or InteractionType.Watch or InteractionType.Rating or InteractionType.Thumbs;

    /// <summary>Weight of an event given by wire name; unknown names weigh nothing.</summary>
    public float Weight(string type, float? value) => InteractionTypes.TryParse(type, out var t) ? Weight(t, value) : 0f;
}
