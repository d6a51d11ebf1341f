namespace Personalization.Tests.Trainer;

/// <summary>The trainer CLI: bad input ends with one line naming the file and line; good input trains and publishes.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class TrainerCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("trainer-cli-").FullName;

    [Fact]
    public async Task A_malformed_ratings_line_is_one_error_naming_file_and_line()
    {
        var data = Directory.CreateDirectory(Path.Combine(_dir, "ml")).FullName;
        await File.WriteAllTextAsync(Path.Combine(data, "movies.csv"), "movieId,title,genres\n1,Toy Story (1995),Comedy\n");
        await File.WriteAllTextAsync(Path.Combine(data, "ratings.csv"), "userId,movieId,rating,timestamp\n1,1,4.0,100\n2,1,four,100\n");
        var (code, error) = await RunAsync("import", "--data-dir", Path.Combine(_dir, "store"), "--dataset", "movielens", data);
        Assert.Equal(2, code);
        Assert.Equal($"error: {Path.Combine(data, "ratings.csv")}:3: rating 'four' is not a number from 0.5 to 5.", error.Trim());
    }

    [Fact]
    public async Task Import_then_train_publishes_a_model()
    {
        var store = Path.Combine(_dir, "store");
        var (imported, _) = await RunAsync("import", "--data-dir", store, "--dataset", "movielens", MovieLensDatasetTests.SharedSmall);
        Assert.Equal(0, imported);
        var (trained, error) = await RunAsync("train", "--data-dir", store, "--factors", "8", "--iterations", "2");
        Assert.True(trained == 0, error);
        var models = await new Personalization.Storage.Sqlite.SqliteModelStore(new Personalization.Storage.Sqlite.SqliteDatabase(store)).ListAsync(default);
        var model = Assert.Single(models);
        Assert.Equal(1, model.Version);
        Assert.Equal(610, model.Metrics["train.users"]);
    }

    private static async Task<(int Code, string Error)> RunAsync(params string[] args)
    {
        var original = Console.Error;
        var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            return (await Personalization.Trainer.Program.Main(args), captured.ToString());
        }
        finally
        {
            Console.SetError(original);
        }
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>Tests that redirect the process's console run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    /// <summary>Collection name.</summary>
    public const string Name = "console";
}
