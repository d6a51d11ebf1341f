using System.Globalization;
using System.Text;

namespace Personalization.Tests.Infrastructure;

/// <summary>
/// MovieLens data for the tests: a generated folder in the ml-latest layout for tests of the trainer's mechanics,
/// and the real ml-latest-small for the few tests that check its exact figures, found at
/// <c>PERSONALIZATION_MOVIELENS_SMALL</c> (which <c>.ci/run</c> sets) or beside the repository.
/// </summary>
public static class MovieLensData
{
    /// <summary>Name of the environment variable naming the real ml-latest-small folder.</summary>
    public const string Variable = "PERSONALIZATION_MOVIELENS_SMALL";

    /// <summary>The real ml-latest-small folder, or null when this machine has none.</summary>
    public static string? RealSmall
    {
        get
        {
            if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } path && Directory.Exists(path)) return path;
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "data", "ml-latest-small");
                if (Directory.Exists(candidate)) return candidate;
            }
            return null;
        }
    }

    private static readonly Lazy<string> GeneratedFolder = new(() => Generate(Path.Combine(Path.GetTempPath(), "pz-movielens-" + Guid.NewGuid().ToString("N"))));

    /// <summary>
    /// A generated data set in the ml-latest layout (movies.csv, ratings.csv, tags.csv), written once per test run:
    /// 500 users (ids 1..500), 800 movies in 8 genres; each user rates 40 movies, 32 of them in a favourite genre
    /// with a popularity skew, so collaborative models have something to learn.
    /// </summary>
    public static string Generated => GeneratedFolder.Value;

    private static readonly string[] Genres = ["Action", "Comedy", "Drama", "Horror", "Romance", "Sci-Fi", "Animation", "Documentary"];

    private static string Generate(string dir)
    {
        Directory.CreateDirectory(dir);
        const int items = 800, users = 500;
        var random = new Random(2026);
        var movies = new StringBuilder("movieId,title,genres\n");
        var tags = new StringBuilder("userId,movieId,tag,timestamp\n");
        for (var i = 1; i <= items; i++)
        {
            var genres = i % 5 == 0 ? $"{Genres[i % 8]}|{Genres[(i + 3) % 8]}" : Genres[i % 8];
            movies.Append(CultureInfo.InvariantCulture, $"{i},Movie {i} ({1980 + i % 40}),{genres}\n");
            if (i % 7 == 0) tags.Append(CultureInfo.InvariantCulture, $"{1 + i % users},{i},{(i % 2 == 0 ? "classic" : "cult")},{1_500_000_000 + i}\n");
        }
        var ratings = new StringBuilder("userId,movieId,rating,timestamp\n");
        for (var u = 1; u <= users; u++)
        {
            var favourite = u % 8;
            var seen = new HashSet<int>();
            while (seen.Count < 40)
            {
                int item;
                if (seen.Count < 32)
                {
                    // Items of the favourite genre are favourite + 8k; the popular ones (small k) come up most.
                    var k = (int)(Math.Pow(random.NextDouble(), 2) * (items / 8));
                    item = favourite + 8 * k;
                    if (item < 1) item += 8;
                }
                else
                {
                    item = 1 + random.Next(items);
                }
                if (item > items || !seen.Add(item)) continue;
                var rating = item % 8 == favourite ? 3.5 + 0.5 * random.Next(4) : 1 + 0.5 * random.Next(5);
                // Users are active side by side (their n-th rating on day n), as on a real service, so a global time cutoff
                // leaves every user a past to train on and a future to test.
                ratings.Append(CultureInfo.InvariantCulture, $"{u},{item},{rating:0.0},{1_600_000_000 + seen.Count * 86_400 + u * 60}\n");
            }
        }
        File.WriteAllText(Path.Combine(dir, "movies.csv"), movies.ToString());
        File.WriteAllText(Path.Combine(dir, "ratings.csv"), ratings.ToString());
        File.WriteAllText(Path.Combine(dir, "tags.csv"), tags.ToString());
        return dir;
    }
}

/// <summary>A test of the real ml-latest-small: skipped, saying why, on a machine without it.</summary>
public sealed class MovieLensFactAttribute : FactAttribute
{
    /// <summary>Skips the test when the data set is missing.</summary>
    public MovieLensFactAttribute()
    {
        if (MovieLensData.RealSmall is null)
            Skip = $"ml-latest-small is not on this machine: set {MovieLensData.Variable} to its folder (see the README for where to download it).";
    }
}
