using Personalization.Storage;

namespace Personalization.Trainer.Datasets;

/// <summary>
/// A deterministic synthetic catalog and history so the embedded default needs no files: genres,
/// power-law (Zipf) item popularity, and users whose tastes concentrate on one to three genres.
/// </summary>
public static class SyntheticDataset
{
    /// <summary>The genres of the synthetic catalog.</summary>
    public static readonly string[] Genres =
    [
        "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
        "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western", "Film-Noir",
    ];

    private static readonly string[] Adjectives =
    [
        "Silent", "Crimson", "Last", "Hidden", "Broken", "Golden", "Midnight", "Lost", "Frozen", "Wild", "Secret", "Distant",
        "Burning", "Electric", "Quiet", "Savage", "Little", "Endless", "Hollow", "Bright",
    ];

    private static readonly string[] Nouns =
    [
        "River", "Kingdom", "Signal", "Harbor", "Garden", "Machine", "Summer", "Empire", "Station", "Orchard", "Frontier",
        "Mirror", "Voyage", "Canyon", "Lantern", "Circus", "Island", "Archive", "Horizon", "Detective",
    ];

    /// <summary>Generates the data set.</summary>
    public static Dataset Generate(SyntheticOptions options, DateTimeOffset now)
    {
        var random = new Random(options.Seed);
        var genreMembers = Genres.Select(_ => new List<int>()).ToArray();
        var items = new List<CatalogItem>(options.Items);
        var itemGenres = new int[options.Items][];
        for (var i = 0; i < options.Items; i++)
        {
            var count = 1 + (random.NextDouble() < 0.5 ? 0 : random.Next(1, 3));
            var genres = Enumerable.Range(0, Genres.Length).OrderBy(_ => random.Next()).Take(count).ToArray();
            itemGenres[i] = genres;
            foreach (var g in genres) genreMembers[g].Add(i);
            var title = $"The {Adjectives[random.Next(Adjectives.Length)]} {Nouns[random.Next(Nouns.Length)]} {i + 1}";
            var addedAt = now.AddDays(-random.Next(0, 730)).AddSeconds(-random.Next(86_400));
            items.Add(new CatalogItem($"i{i + 1}", title, genres.Select(g => Genres[g]).ToArray(), [], addedAt));
        }

        // Popularity is Zipf over a random permutation of items, so popular items spread over genres.
        var permutation = Enumerable.Range(0, options.Items).OrderBy(_ => random.Next()).ToArray();
        var weight = new double[options.Items];
        for (var rank = 0; rank < options.Items; rank++) weight[permutation[rank]] = 1.0 / Math.Pow(rank + 1, options.PopularityExponent);
        var global = Cumulative(Enumerable.Range(0, options.Items).ToArray(), weight);
        var perGenre = genreMembers.Select(m => Cumulative(m.ToArray(), weight)).ToArray();

        var interactions = new List<InteractionRecord>(options.Users * options.MeanInteractionsPerUser);
        var seen = new HashSet<int>();
        for (var u = 0; u < options.Users; u++)
        {
            var userId = $"u{u + 1}";
            var favourites = Enumerable.Range(0, Genres.Length).OrderBy(_ => random.Next()).Take(random.Next(1, 4)).ToArray();
            // Long-tailed activity: exponential around the mean, at least 5 events.
            var count = Math.Max(5, (int)(-Math.Log(1 - random.NextDouble()) * options.MeanInteractionsPerUser));
            count = Math.Min(count, options.Items / 2);
            seen.Clear();
            for (var attempts = 0; seen.Count < count && attempts < count * 20; attempts++)
            {
                var pool = random.NextDouble() < options.TasteShare ? perGenre[favourites[random.Next(favourites.Length)]] : global;
                var item = pool.Sample(random);
                if (!seen.Add(item)) continue;
                var at = now.AddDays(-random.NextDouble() * 90);
                var key = $"{InteractionRecord.ImportPrefix}synthetic:{u}:{seen.Count}";
                var roll = random.NextDouble();
                var matches = itemGenres[item].Any(g => favourites.Contains(g));
                interactions.Add(roll switch
                {
                    < 0.6 => new InteractionRecord(key, userId, items[item].ItemId, "play", null, at),
                    < 0.9 => new InteractionRecord(key, userId, items[item].ItemId, "watch", (float)Math.Round(random.Next(60, 7200) * (matches ? 1.0 : 0.4)), at),
                    _ => new InteractionRecord(key, userId, items[item].ItemId, "rating", matches ? random.Next(7, 11) / 2f : random.Next(2, 8) / 2f, at),
                });
            }
        }
        return new Dataset($"synthetic:seed{options.Seed}", items, interactions);
    }

    private static CumulativeDistribution Cumulative(int[] members, double[] weight)
    {
        var cumulative = new double[members.Length];
        double total = 0;
        for (var i = 0; i < members.Length; i++) cumulative[i] = total += weight[members[i]];
        return new CumulativeDistribution(members, cumulative);
    }

    private sealed record CumulativeDistribution(int[] Members, double[] Cumulative)
    {
        public int Sample(Random random)
        {
            var target = random.NextDouble() * Cumulative[^1];
            var index = Array.BinarySearch(Cumulative, target);
            if (index < 0) index = ~index;
            return Members[Math.Min(index, Members.Length - 1)];
        }
    }
}
