namespace Personalization.Grains.Serving;

/// <summary>
/// What a genre's rows and reasons say, built once per model: a page formatted them per row and per item, a tenth of a
/// rows page's allocation.
/// </summary>
/// <param name="RowId">The genre row's id, <c>genre:NAME</c>.</param>
/// <param name="LikedReason">Reason on a genre row the user has affinity for.</param>
/// <param name="PopularReason">Reason on a genre row without affinity.</param>
/// <param name="NewReason">Reason on a New for you item that matches the user's taste in this genre.</param>
public sealed record GenreTexts(string RowId, string LikedReason, string PopularReason, string NewReason)
{
    /// <summary>The texts of genre <paramref name="name"/>.</summary>
    public static GenreTexts For(string name) =>
        new($"genre:{name}", $"Because you like {name}", $"Popular in {name}", $"New, and you like {name}");
}
