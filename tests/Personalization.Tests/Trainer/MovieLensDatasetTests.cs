using Personalization.Grains.Signals;
using Personalization.Tests.Infrastructure;
using Personalization.Trainer.Datasets;
using Personalization.Trainer.Training;

namespace Personalization.Tests.Trainer;

public sealed class MovieLensDatasetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("movielens-").FullName;

    [MovieLensFact]
    public void Loads_ml_latest_small()
    {
        var data = MovieLensDataset.Load(MovieLensData.RealSmall!);
        Assert.Equal(9742, data.Items.Count);
        Assert.Equal(100_836, data.Interactions.Count());
        Assert.Equal(610, data.Interactions.Select(i => i.UserId).Distinct().Count());
        var americanPresident = data.Items.Single(i => i.ItemId == "11");
        Assert.Equal("\"American President, The (1995)\"".Trim('"'), americanPresident.Title); // quoted title with a comma
        Assert.Equal(["Comedy", "Drama", "Romance"], americanPresident.Genres);
        Assert.All(data.Interactions, i => Assert.Equal("rating", i.Type));
        Assert.True(data.Interactions.All(i => i.IsImported));
        // tags.csv: distinct tags per movie in first-use order.
        Assert.Equal(["pixar", "fun"], data.Items.Single(i => i.ItemId == "1").Tags);
        Assert.Equal(["funny", "Highly quotable", "will ferrell", "comedy"], data.Items.Single(i => i.ItemId == "60756").Tags);
        Assert.Equal(["politics", "president"], americanPresident.Tags);
        Assert.Equal(1572, data.Items.Count(i => i.Tags.Count > 0));
    }

    [Fact]
    public void Tags_are_optional_distinct_per_movie_and_checked()
    {
        File.WriteAllText(Path.Combine(_dir, "movies.csv"), "movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n2,Jumanji (1995),Adventure\n");
        File.WriteAllText(Path.Combine(_dir, "ratings.csv"), "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n");
        Assert.All(MovieLensDataset.Load(_dir).Items, i => Assert.Empty(i.Tags));

        File.WriteAllText(Path.Combine(_dir, "tags.csv"),
            "userId,movieId,tag,timestamp\n1,1,Pixar,1\n2,1,pixar ,2\n2,1,\"toys, talking\",3\n3,1,a|b,4\n3,2,  ,5\n");
        var items = MovieLensDataset.Load(_dir).Items;
        Assert.Equal(["Pixar", "toys, talking", "a/b"], items.Single(i => i.ItemId == "1").Tags);
        Assert.Empty(items.Single(i => i.ItemId == "2").Tags);

        File.WriteAllText(Path.Combine(_dir, "tags.csv"), "userId,movieId,tag,timestamp\n1,1,pixar,1\n1,7,pixar,1\n");
        var ex = Assert.Throws<DatasetFormatException>(() => MovieLensDataset.Load(_dir));
        Assert.Contains("tags.csv:3: movieId '7' is not in movies.csv", ex.Message);

        File.WriteAllText(Path.Combine(_dir, "tags.csv"), "userId,movieId,tag\n");
        ex = Assert.Throws<DatasetFormatException>(() => MovieLensDataset.Load(_dir));
        Assert.Contains("tags.csv:1: expected the header", ex.Message);
    }

    [Theory]
    [InlineData("userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,1,nine,964982703\n", "ratings.csv:3:5: rating 'nine'")]
    [InlineData("userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,999,4.0,964982703\n", "ratings.csv:3:3: movie id '999' is not in movies.csv")]
    [InlineData("userId,movieId,rating,timestamp\n1,1,4.0\n", "ratings.csv:2: expected 4 fields, found 3")]
    [InlineData("userId,movieId,rating,timestamp\n1,1,4.0,964982703,7\n", "ratings.csv:2: expected 4 fields, found more")]
    [InlineData("userId,movieId,rating,timestamp\n1,1,4.0,yesterday\n", "ratings.csv:2:9: timestamp 'yesterday'")]
    public void Bad_lines_are_reported_with_file_line_and_column_when_the_ratings_stream_reaches_them(string ratings, string expected)
    {
        File.WriteAllText(Path.Combine(_dir, "movies.csv"), "movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n");
        File.WriteAllText(Path.Combine(_dir, "ratings.csv"), ratings);
        var data = MovieLensDataset.Load(_dir);
        var ex = Assert.Throws<DatasetFormatException>(() => data.Interactions.Count());
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void A_wrong_ratings_header_is_reported_at_load()
    {
        File.WriteAllText(Path.Combine(_dir, "movies.csv"), "movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n");
        File.WriteAllText(Path.Combine(_dir, "ratings.csv"), "user,movie,rating,timestamp\n");
        var ex = Assert.Throws<DatasetFormatException>(() => MovieLensDataset.Load(_dir));
        Assert.Contains("ratings.csv:1: expected the header", ex.Message);
    }

    [Fact]
    public void The_dat_layout_of_ml_1m_and_ml_10m_is_read_with_its_tags()
    {
        File.WriteAllText(Path.Combine(_dir, "movies.dat"), "1::Toy Story (1995)::Animation|Children's|Comedy\n2::Jumanji (1995)::(no genres listed)\n",
            System.Text.Encoding.Latin1);
        File.WriteAllText(Path.Combine(_dir, "ratings.dat"), "1::1::5::978300760\n1::2::3.5::978302109\n\n2::1::4::978301968\n");
        File.WriteAllText(Path.Combine(_dir, "tags.dat"), "15::1::pixar::1138537770\n16::1::Pixar::1138537771\n16::2::jungle::1138537772\n");
        Assert.Equal(MovieLensDataset.Layout.Dat, MovieLensDataset.Detect(_dir));
        var data = MovieLensDataset.Load(_dir);
        Assert.Equal(["Animation", "Children's", "Comedy"], data.Items[0].Genres);
        Assert.Empty(data.Items[1].Genres);
        Assert.Equal(["pixar"], data.Items[0].Tags);
        var ratings = data.Interactions.ToList();
        Assert.Equal(3, ratings.Count);
        Assert.Equal(("1", "2", 3.5f, 978302109L), (ratings[1].UserId, ratings[1].ItemId, ratings[1].Value!.Value, ratings[1].Timestamp.ToUnixTimeSeconds()));
        Assert.All(ratings, r => Assert.Equal("rating", r.Type));

        File.WriteAllText(Path.Combine(_dir, "ratings.dat"), "1::1::5::978300760\n1::3::4::978300761\n");
        var ex = Assert.Throws<DatasetFormatException>(() => MovieLensDataset.Load(_dir).Interactions.Count());
        Assert.Equal("ratings.dat", Path.GetFileName(ex.File));
        Assert.Equal((2L, 4), (ex.Line, ex.Column));
        Assert.Contains("movie id '3' is not in movies.dat", ex.Message);

        File.WriteAllText(Path.Combine(_dir, "ratings.dat"), "1,1,5,978300760\n");
        ex = Assert.Throws<DatasetFormatException>(() => MovieLensDataset.Load(_dir).Interactions.Count());
        Assert.Contains("ratings.dat:1: expected 4 fields, found 1 (separated by '::')", ex.Message);
    }

    [Fact]
    public void The_ml_100k_layout_is_read_with_genres_from_its_flags()
    {
        File.WriteAllText(Path.Combine(_dir, "u.genre"), string.Join("\n", new[] { "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
            "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western" }
            .Select((g, i) => $"{g}|{i}")) + "\n\n");
        static string Flags(params int[] on) => string.Join("|", Enumerable.Range(0, 19).Select(g => on.Contains(g) ? "1" : "0"));
        File.WriteAllText(Path.Combine(_dir, "u.item"),
            $"1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|{Flags(3, 4, 5)}\n" +
            $"2|Café (1996)|01-Jan-1996||http://example|{Flags(0)}\n", System.Text.Encoding.Latin1);
        File.WriteAllText(Path.Combine(_dir, "u.data"), "196\t1\t3\t881250949\n186\t2\t1\t891717742\n");
        Assert.Equal(MovieLensDataset.Layout.Hundred, MovieLensDataset.Detect(_dir));
        var data = MovieLensDataset.Load(_dir);
        Assert.Equal(["Animation", "Children's", "Comedy"], data.Items[0].Genres);
        Assert.Equal("Café (1996)", data.Items[1].Title); // Latin-1
        Assert.Empty(data.Items[1].Genres); // "unknown" is no genre
        Assert.Equal(["196", "186"], data.Interactions.Select(r => r.UserId));

        File.WriteAllText(Path.Combine(_dir, "u.data"), "196\t1\t3\t881250949\n186\t2\t9\t891717742\n");
        var ex = Assert.Throws<DatasetFormatException>(() => MovieLensDataset.Load(_dir).Interactions.Count());
        Assert.Equal((2L, 7), (ex.Line, ex.Column));
        Assert.Contains("rating '9' is not a number from 0.5 to 5", ex.Message);

        File.WriteAllText(Path.Combine(_dir, "u.item"), $"1|Toy Story (1995)|01-Jan-1995||http://x|{Flags(3).Replace("0|0|0|1", "0|0|0|2")}\n");
        ex = Assert.Throws<DatasetFormatException>(() => MovieLensDataset.Load(_dir));
        Assert.Contains("u.item:1:", ex.Message);
        Assert.Contains("genre flag '2' is not 0 or 1", ex.Message);
    }

    // Training reads the ratings resolved (ids numbered by the loader, no record per row); import reads records. Both
    // must give the same matrices: re-ratings, a neutral rating, ids that only look numeric, CRLF, no final newline.
    [Theory]
    [InlineData("csv")]
    [InlineData("dat")]
    [InlineData("100k")]
    public void The_resolved_ratings_build_the_same_training_data_as_the_records(string layout)
    {
        (string User, string Movie, string Rating, long Time)[] rows =
        [
            ("7", "2", "4", 100), ("7", "1", "3.5", 90), ("07", "2", "5", 80), ("7", "2", "1", 120), ("99999999999", "3", "2.5", 70),
            ("x-user", "1", "4.75", 60), ("07", "3", "0.5", 130), ("12", "1", "5.0", 110),
        ];
        string[] movies = ["1", "2", "3", "4"];
        var (separator, ratingsFile, encoding) = layout switch
        {
            "csv" => (",", "ratings.csv", System.Text.Encoding.UTF8),
            "dat" => ("::", "ratings.dat", System.Text.Encoding.Latin1),
            _ => ("\t", "u.data", System.Text.Encoding.Latin1),
        };
        switch (layout)
        {
            case "csv": File.WriteAllText(Path.Combine(_dir, "movies.csv"), "movieId,title,genres\n" + string.Concat(movies.Select(m => $"{m},Movie {m},Drama\n"))); break;
            case "dat": File.WriteAllText(Path.Combine(_dir, "movies.dat"), string.Concat(movies.Select(m => $"{m}::Movie {m}::Drama\n")), encoding); break;
            default: File.WriteAllText(Path.Combine(_dir, "u.item"), string.Concat(movies.Select(m => $"{m}|Movie {m}|||x|{string.Join("|", Enumerable.Repeat("0", 19))}\n")), encoding); break;
        }
        var lines = rows.Select(r => string.Join(separator, r.User, r.Movie, r.Rating, r.Time.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        File.WriteAllText(Path.Combine(_dir, ratingsFile), (layout == "csv" ? "userId,movieId,rating,timestamp\r\n" : "") + string.Join("\r\n", lines), encoding);

        var dataset = MovieLensDataset.Load(_dir);
        Assert.NotNull(dataset.Resolved);
        var fromRecords = TrainingData.Build(dataset.Interactions, SignalPolicy.Default);
        var resolved = TrainingData.Build(dataset.Resolved, SignalPolicy.Default);

        Assert.Equal(["7", "07", "99999999999", "x-user", "12"], fromRecords.UserIds);
        Assert.Equal(fromRecords.UserIds, resolved.UserIds);
        Assert.Equal(fromRecords.ItemIds, resolved.ItemIds);
        Assert.Equal(fromRecords.Matrix.RowPointers, resolved.Matrix.RowPointers);
        Assert.Equal(fromRecords.Matrix.ColumnIndices, resolved.Matrix.ColumnIndices);
        Assert.Equal(fromRecords.Matrix.Weights, resolved.Matrix.Weights);
        Assert.Equal(fromRecords.Ratings.Weights, resolved.Ratings.Weights);
        Assert.Equal(fromRecords.FirstSeen, resolved.FirstSeen);
        Assert.Equal((fromRecords.DataCutoff, fromRecords.Events), (resolved.DataCutoff, resolved.Events));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(130), resolved.DataCutoff);
        Assert.Equal(rows.Length, resolved.Events);
        // The re-rating of (7, 2) keeps the last rating; "4.75" is parsed as float.Parse would.
        var seven = Array.IndexOf(resolved.UserIds, "7");
        var two = Array.IndexOf(resolved.ItemIds, "2");
        var position = Array.IndexOf(resolved.Ratings.ColumnIndices, two, resolved.Ratings.RowPointers[seven]);
        Assert.Equal(1f, resolved.Ratings.Weights[position]);
        Assert.Contains(4.75f, resolved.Ratings.Weights);
    }

    [Fact]
    public void The_resolved_ratings_report_bad_lines_as_the_records_do()
    {
        File.WriteAllText(Path.Combine(_dir, "movies.csv"), "movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n");
        File.WriteAllText(Path.Combine(_dir, "ratings.csv"), "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,1,4..0,964982703\n");
        var data = MovieLensDataset.Load(_dir);
        var fromRecords = Assert.Throws<DatasetFormatException>(() => data.Interactions.Count());
        var resolved = Assert.Throws<DatasetFormatException>(() => TrainingData.Build(data.Resolved!, SignalPolicy.Default));
        Assert.Equal("ratings.csv:3:5: rating '4..0' is not a number from 0.5 to 5.", Path.GetFileName(resolved.Message));
        Assert.Equal(fromRecords.Message, resolved.Message);
    }

    [Fact]
    public void Lines_longer_than_the_read_buffer_are_read_whole_and_counted()
    {
        var title = new string('x', 200_000); // three times the reader's first buffer
        File.WriteAllText(Path.Combine(_dir, "movies.dat"), $"1::{title}::Drama\r\n\r\n2::Short::Comedy", System.Text.Encoding.Latin1);
        File.WriteAllText(Path.Combine(_dir, "ratings.dat"), "1::1::5::978300760\n1::2::3::978300761\n1::3::3::978300762\n");
        var data = MovieLensDataset.Load(_dir);
        Assert.Equal(title, data.Items[0].Title);
        Assert.Equal(["Comedy"], data.Items[1].Genres); // the last line has no line break
        var ex = Assert.Throws<DatasetFormatException>(() => TrainingData.Build(data.Resolved!, SignalPolicy.Default));
        Assert.Equal((3L, 4), (ex.Line, ex.Column));
    }

    [Fact]
    public void Unbalanced_quotes_in_movies_are_reported()
    {
        File.WriteAllText(Path.Combine(_dir, "movies.csv"), "movieId,title,genres\n1,\"Toy Story (1995),Adventure\n");
        File.WriteAllText(Path.Combine(_dir, "ratings.csv"), "userId,movieId,rating,timestamp\n");
        var ex = Assert.Throws<DatasetFormatException>(() => MovieLensDataset.Load(_dir));
        Assert.Equal(2, ex.Line);
        Assert.EndsWith("movies.csv", ex.File);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => MovieLensDataset.Load(_dir));
        Assert.Contains("movies.csv", ex.Message);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
