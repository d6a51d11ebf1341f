using Personalization.Tests.Infrastructure;
using Personalization.Trainer.Datasets;

namespace Personalization.Tests.Trainer;

public sealed class MovieLensDatasetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("movielens-").FullName;

    [MovieLensFact]
    public void Loads_ml_latest_small()
    {
        var data = MovieLensDataset.Load(MovieLensData.RealSmall!);
        Assert.Equal(9742, data.Items.Count);
        Assert.Equal(100_836, data.Interactions.Count);
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
    [InlineData("userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,1,nine,964982703\n", "ratings.csv:3: rating 'nine'")]
    [InlineData("userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,999,4.0,964982703\n", "ratings.csv:3: movieId '999' is not in movies.csv")]
    [InlineData("userId,movieId,rating,timestamp\n1,1,4.0\n", "ratings.csv:2: expected 4 fields, found 3")]
    [InlineData("user,movie,rating,timestamp\n", "ratings.csv:1: expected the header")]
    [InlineData("userId,movieId,rating,timestamp\n1,1,4.0,yesterday\n", "ratings.csv:2: timestamp 'yesterday'")]
    public void Bad_lines_are_reported_with_file_and_line(string ratings, string expected)
    {
        File.WriteAllText(Path.Combine(_dir, "movies.csv"), "movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n");
        File.WriteAllText(Path.Combine(_dir, "ratings.csv"), ratings);
        var ex = Assert.Throws<DatasetFormatException>(() => MovieLensDataset.Load(_dir));
        Assert.Contains(expected, ex.Message);
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
