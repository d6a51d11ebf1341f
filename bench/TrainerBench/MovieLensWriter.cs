using System.Globalization;
using System.Text;

namespace Personalization.TrainerBench;

/// <summary>
/// Writes a MovieLens-layout folder of any size (movies.csv, ratings.csv) for the loader benchmark: ml-25m's shape by
/// default (162,541 users, 62,423 movies, 25,000,095 ratings), with Zipf-like movie popularity, half-star ratings and
/// timestamps over ten years. Deterministic for a seed.
/// <para>
/// It plants taste so that model quality and tuning can be judged on it, not only load time: every user and movie
/// belongs to one of <see cref="Tastes"/> groups, and <see cref="InTaste"/> of a user's ratings are of movies of their
/// group (rated 3.5 to 5), the rest drawn from the whole catalog by popularity (rated 0.5 to 5). Each user's ratings
/// are in time order, so the time-based protocols see a past and a future.
/// </para>
/// </summary>
internal static class MovieLensWriter
{
    /// <summary>Taste groups planted in the ratings.</summary>
    public const int Tastes = 40;

    /// <summary>The share of each user's ratings of movies of their own taste group.</summary>
    public const double InTaste = 0.6;

    public static void Write(string directory, int users, int items, long ratings, int seed)
    {
        Directory.CreateDirectory(directory);
        using (var movies = new StreamWriter(Path.Combine(directory, "movies.csv"), false, new UTF8Encoding(false), 1 << 16))
        {
            movies.Write("movieId,title,genres\n");
            string[] genres = ["Action", "Adventure", "Animation", "Comedy", "Crime", "Drama", "Horror", "Romance", "Sci-Fi", "Thriller"];
            for (var i = 1; i <= items; i++)
                movies.Write(string.Create(CultureInfo.InvariantCulture, $"{i},\"Movie {i}, The ({1950 + i % 70})\",{genres[i % 10]}|{genres[(i * 7) % 10]}\n"));
        }
        var random = new Random(seed);
        using var writer = new StreamWriter(Path.Combine(directory, "ratings.csv"), false, new UTF8Encoding(false), 1 << 20);
        writer.Write("userId,movieId,rating,timestamp\n");
        const long start = 1_262_304_000; // 2010-01-01
        const long span = 10L * 365 * 86_400;
        var perUser = ratings / users;
        long written = 0;
        Span<char> line = stackalloc char[64];
        for (var u = 1; u <= users && written < ratings; u++)
        {
            var count = u == users ? ratings - written : Math.Min(ratings - written, Math.Max(1, (long)(perUser * 2 * random.NextDouble())));
            var t = start + (long)(random.NextDouble() * span);
            var taste = u % Tastes;
            for (long r = 0; r < count; r++)
            {
                // Zipf-like popularity: a uniform draw cubed favours low ids. Movie m is of taste group (m - 1) % Tastes, so
                // a draw among the group's movies keeps the same popularity curve within the group.
                var popular = Math.Pow(random.NextDouble(), 3);
                int item, halfStars;
                if (random.NextDouble() < InTaste)
                {
                    var inGroup = (items - 1 - taste) / Tastes + 1;
                    item = 1 + taste + Tastes * Math.Min(inGroup - 1, (int)(popular * inGroup));
                    halfStars = 7 + random.Next(4);
                }
                else
                {
                    item = 1 + (int)(popular * items);
                    halfStars = 1 + random.Next(10);
                }
                var rating = 0.5 * halfStars;
                t += random.Next(3_600);
                if (!line.TryWrite(CultureInfo.InvariantCulture, $"{u},{Math.Min(item, items)},{rating:0.0},{t}\n", out var length))
                    throw new InvalidOperationException("line buffer too small");
                writer.Write(line[..length]);
            }
            written += count;
        }
        Console.WriteLine($"wrote {directory}: {users} users, {items} movies, {written} ratings");
    }
}
