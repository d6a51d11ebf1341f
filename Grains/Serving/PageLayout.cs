namespace Personalization.Grains.Serving;

/// <summary>The part of the day a request falls in; it changes which rows lead the page.</summary>
public enum DayPart
{
    /// <summary>05:00–11:59.</summary>
    Morning,

    /// <summary>12:00–16:59.</summary>
    Afternoon,

    /// <summary>17:00–22:59.</summary>
    Evening,

    /// <summary>23:00–04:59.</summary>
    Night,
}

/// <summary>
/// How context shapes the page: the order of the rows by time of day, and how many rows and items per row fit the
/// device. One table, so the rules are visible in one place (docs/home-page.md).
/// </summary>
public static class PageLayout
{
    /// <summary>Row kinds, as they appear in row ids.</summary>
    public const string ContinueWatching = "continue-watching", TopPicks = "top-picks", BecauseYouWatched = "because-you-watched",
        Trending = "trending", NewForYou = "new-for-you", Genres = "genres";

    /// <summary>The day part of an hour (0–23).</summary>
    public static DayPart PartOf(int hour) => hour switch
    {
        >= 5 and < 12 => DayPart.Morning,
        >= 12 and < 17 => DayPart.Afternoon,
        >= 17 and < 23 => DayPart.Evening,
        _ => DayPart.Night,
    };

    /// <summary>
    /// Row order by day part. Mornings lead with what is new and trending (short sessions, catching up); evenings and
    /// nights with what the user is in the middle of and their own taste (long sessions on the couch).
    /// </summary>
    public static IReadOnlyList<string> Order(DayPart part) => part switch
    {
        DayPart.Morning => [ContinueWatching, Trending, NewForYou, TopPicks, BecauseYouWatched, Genres],
        DayPart.Afternoon => [TopPicks, ContinueWatching, BecauseYouWatched, Trending, NewForYou, Genres],
        DayPart.Evening => [ContinueWatching, TopPicks, BecauseYouWatched, NewForYou, Trending, Genres],
        _ => [ContinueWatching, BecauseYouWatched, TopPicks, Trending, NewForYou, Genres],
    };

    /// <summary>
    /// Rows and items per row the device shows, capped by what was asked: a phone screen holds about 10 tiles a row
    /// and 5 rows before users stop scrolling; a TV or browser shows what was asked.
    /// </summary>
    public static (int Rows, int PerRow) Fit(string? device, int rows, int perRow) => device switch
    {
        "mobile" => (Math.Min(rows, 5), Math.Min(perRow, 10)),
        "tablet" => (Math.Min(rows, 8), Math.Min(perRow, 15)),
        _ => (rows, perRow),
    };
}
