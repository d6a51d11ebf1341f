using Personalization.Tests.Infrastructure;

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
        Assert.Equal($"error: {Path.Combine(data, "ratings.csv")}:3:5: rating 'four' is not a number from 0.5 to 5.", error.Trim());
    }

    [MovieLensFact]
    public async Task Import_then_train_publishes_a_model()
    {
        var store = Path.Combine(_dir, "store");
        var (imported, _) = await RunAsync("import", "--data-dir", store, "--dataset", "movielens", MovieLensData.RealSmall!);
        Assert.Equal(0, imported);
        var (trained, error) = await RunAsync("train", "--data-dir", store, "--factors", "8", "--iterations", "2");
        Assert.True(trained == 0, error);
        var registry = new Personalization.Storage.Sqlite.SqliteModelStore(new Personalization.Storage.Sqlite.SqliteDatabase(store));
        var model = Assert.Single(await registry.ListAsync(default));
        Assert.Equal(1, model.Version);
        Assert.Equal(610, model.Metrics["train.users"]);

        // The catalog's genres and tags (tags.csv) were mapped into the model's factor space.
        Assert.True(model.Metrics["content.features"] > 19, "genres and frequent tags");
        Assert.InRange(model.Metrics["content.cosine"], 0.05, 1);
        Assert.InRange(model.Metrics["content.holdout_cosine"], 0.05, 1);
        Assert.InRange(model.Metrics["content.holdout_coverage"], 0.9, 1);
        var loaded = await registry.LoadAsync(1, default);
        var content = Assert.IsType<Personalization.Recommender.ContentMapping>(loaded?.Content);
        Assert.Equal(model.Metrics["content.features"], content.Features.Length);
        var mapped = new float[8];
        Assert.True(content.TryMap(Personalization.Recommender.ContentMapping.FeaturesOf(["Animation", "Children"], ["Pixar"]), mapped));
        Assert.Contains(mapped, v => v != 0);
    }

    [Fact]
    public async Task Evaluate_prints_and_writes_the_metrics_and_is_deterministic_for_a_seed()
    {
        string[] Args(string json, int seed) => ["evaluate", "--dataset", "movielens", MovieLensData.Generated, "--model", "als", "--factors", "16",
            "--iterations", "4", "--protocol", "users", "--test-fraction", "0.2", "--seed", seed.ToString(), "--k", "20", "--json", json];
        var (first, output, error) = await RunWithOutputAsync(Args(Path.Combine(_dir, "a.json"), 5));
        Assert.True(first == 0, error);
        Assert.Contains("| recall@20 |", output);
        Assert.Contains("| ndcg@20 |", output);
        Assert.Contains("| ild@20 |", output);
        Assert.Contains("item vectors: als item factors (the evaluated model)", output);
        var (second, _, _) = await RunWithOutputAsync(Args(Path.Combine(_dir, "b.json"), 5));
        var (third, _, _) = await RunWithOutputAsync(Args(Path.Combine(_dir, "c.json"), 6));
        Assert.Equal(0, second + third);

        var a = Metrics(Path.Combine(_dir, "a.json"));
        Assert.Equal("users", System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "a.json"))).RootElement.GetProperty("Protocol").GetString());
        Assert.InRange(a["recall@20"], 0.05, 1);
        Assert.Equal(a, Metrics(Path.Combine(_dir, "b.json")));
        Assert.NotEqual(a["ndcg@20"], Metrics(Path.Combine(_dir, "c.json"))["ndcg@20"]);
    }

    [Fact]
    public async Task Evaluate_trains_Mult_VAE_with_libtorch_and_ranks_held_out_users_with_the_exported_weights()
    {
        string[] Args(string json) => ["evaluate", "--dataset", "movielens", MovieLensData.Generated, "--model", "multvae", "--factors", "16",
            "--iterations", "20", "--protocol", "users", "--seed", "3", "--k", "20", "--json", json];
        var (code, output, error) = await RunWithOutputAsync(Args(Path.Combine(_dir, "vae.json")));
        Assert.True(code == 0, error);
        Assert.Contains("multvae (hidden=600, latent=16, epochs=20", output);
        var (again, _, _) = await RunWithOutputAsync(Args(Path.Combine(_dir, "vae-again.json")));
        Assert.Equal(0, again);
        var metrics = Metrics(Path.Combine(_dir, "vae.json"));
        // Above popularity on the same split (the planted tastes are learnable), and repeatable for a seed.
        var (popularity, _, _) = await RunWithOutputAsync("evaluate", "--dataset", "movielens", MovieLensData.Generated, "--model", "popularity",
            "--protocol", "users", "--seed", "3", "--k", "20", "--json", Path.Combine(_dir, "popularity.json"));
        Assert.Equal(0, popularity);
        Assert.True(metrics["ndcg@20"] > Metrics(Path.Combine(_dir, "popularity.json"))["ndcg@20"], $"ndcg@20 {metrics["ndcg@20"]}");
        Assert.Equal(metrics, Metrics(Path.Combine(_dir, "vae-again.json")));
    }

    [Fact]
    public async Task Evaluate_trains_SASRec_on_each_users_history_in_time_order_and_holds_out_the_newest_item()
    {
        string[] Args(string json) => ["evaluate", "--dataset", "movielens", MovieLensData.Generated, "--model", "sasrec", "--factors", "16",
            "--iterations", "3", "--protocol", "last", "--seed", "3", "--k", "20", "--json", json];
        var (code, output, error) = await RunWithOutputAsync(Args(Path.Combine(_dir, "sasrec.json")));
        Assert.True(code == 0, error);
        Assert.Contains("sasrec (dimensions=16, maxLength=50, blocks=2", output);
        var (again, _, _) = await RunWithOutputAsync(Args(Path.Combine(_dir, "sasrec-again.json")));
        Assert.Equal(0, again);
        var metrics = Metrics(Path.Combine(_dir, "sasrec.json"));
        Assert.True(metrics["users"] > 0);
        Assert.InRange(metrics["recall@20"], 0, 1);
        Assert.Equal(metrics, Metrics(Path.Combine(_dir, "sasrec-again.json")));
    }

    [Theory]
    [InlineData("time")]
    [InlineData("last")]
    [InlineData("cold")]
    public async Task Evaluate_splits_by_time_and_reports_intervals_over_users(string protocol)
    {
        var json = Path.Combine(_dir, protocol + ".json");
        var (code, output, error) = await RunWithOutputAsync("evaluate", "--dataset", "movielens", MovieLensData.Generated, "--model", "popularity",
            "--protocol", protocol, "--last-n", "2", "--k", "20", "--json", json);
        Assert.True(code == 0, error);
        Assert.Contains("| metric | value | 95% interval over users (bootstrap) |", output);
        var metrics = Metrics(json);
        Assert.Equal(protocol, System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(json)).RootElement.GetProperty("Protocol").GetString());
        Assert.True(metrics["users"] > 0);
        Assert.InRange(metrics["ndcg@20"], metrics["ndcg@20.ci95.low"], metrics["ndcg@20.ci95.high"]);
        Assert.True(metrics["recall@20.ci95.high"] > metrics["recall@20.ci95.low"]);
    }

    [Fact]
    public async Task New_items_replays_the_newest_items_and_reports_each_step_or_names_a_bad_option()
    {
        var json = Path.Combine(_dir, "new-items.json");
        var (code, output, error) = await RunWithOutputAsync("new-items", "--dataset", "movielens", MovieLensData.Generated, "--factors", "8",
            "--iterations", "3", "--steps", "0,1,2", "--held-out-fraction", "0.2", "--json", json);
        Assert.True(code == 0, error);
        Assert.Contains("| interactions | items | later viewers | recall@20 content | live fold-in | full retrain | gap closed |", output);
        Assert.Contains("held out (the newest by their first interaction)", error);
        var steps = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(json)).RootElement;
        Assert.Equal([0, 1, 2], steps.EnumerateArray().Select(s => s.GetProperty("Interactions").GetInt32()));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, steps[0].GetProperty("Retrain").ValueKind);

        (code, _, error) = await RunWithOutputAsync("new-items", "--dataset", "movielens", MovieLensData.Generated, "--steps", "1,two");
        Assert.Equal(2, code);
        Assert.Contains("--steps must be non-negative whole numbers separated by commas, not '1,two'.", error);
    }

    [Fact]
    public async Task Train_reads_a_users_own_log_through_its_column_mapping_and_prints_the_load_time()
    {
        var log = Path.Combine(_dir, "plays.jsonl");
        var lines = Enumerable.Range(0, 400).Select(i => $"{{\"member\": \"m{i % 40}\", \"title\": \"t{(i * 7) % 30}\", \"kind\": \"play\", \"ts\": {1_700_000_000 + i}}}");
        await File.WriteAllLinesAsync(log, lines);
        var (code, output, error) = await RunWithOutputAsync("train", "--dataset", "logs", log, "--columns", "user=member,item=title,type=kind,value=-,time=ts",
            "--model", "popularity", "--out", Path.Combine(_dir, "model"));
        Assert.True(code == 0, error);
        Assert.Contains("log:plays.jsonl: 40 users x 30 items", error);
        Assert.Contains("loaded in", error);
        Assert.Contains("popularity: 40 users x 30 items", output);
    }

    [Fact]
    public async Task Tune_writes_the_chosen_settings_that_evaluate_then_uses()
    {
        var settings = Path.Combine(_dir, "tuned.json");
        var (code, output, error) = await RunWithOutputAsync("tune", "--dataset", "movielens", MovieLensData.Generated, "--model", "ease",
            "--protocol", "holdout", "--configurations", "6", "--k", "20", "--out", settings, "--json", Path.Combine(_dir, "tune.json"));
        Assert.True(code == 0, error);
        Assert.Contains("ease, protocol holdout: 6 trials", output);
        Assert.Contains("| defaults (regularization 500) |", output);
        var chosen = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(settings)).RootElement;
        Assert.Equal("ease", chosen.GetProperty("Model").GetString());
        var regularization = chosen.GetProperty("Settings").GetProperty("regularization").GetDouble();
        Assert.InRange(regularization, 1, 10_000);

        var json = Path.Combine(_dir, "tuned-eval.json");
        var (again, _, againError) = await RunWithOutputAsync("evaluate", "--dataset", "movielens", MovieLensData.Generated, "--model", "ease",
            "--settings", settings, "--protocol", "holdout", "--json", json);
        Assert.True(again == 0, againError);
        var parameters = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(json)).RootElement.GetProperty("Parameters");
        Assert.Equal((float)regularization, (float)parameters.GetProperty("regularization").GetDouble(), 3);

        var (wrong, _, wrongError) = await RunWithOutputAsync("evaluate", "--dataset", "movielens", MovieLensData.Generated, "--model", "als", "--settings", settings);
        Assert.Equal(2, wrong);
        Assert.Contains("--settings were tuned for ease, not --model als", wrongError);
    }

    [Fact]
    public async Task An_unknown_protocol_is_one_error_listing_the_protocols()
    {
        var (code, _, error) = await RunWithOutputAsync("evaluate", "--dataset", "movielens", MovieLensData.Generated, "--model", "popularity",
            "--protocol", "random");
        Assert.Equal(2, code);
        Assert.Equal("error: --protocol must be one of holdout, users, time, last, cold, not 'random'.", error.Trim().Split('\n')[^1]);
    }

    [Fact]
    public async Task Evaluate_with_reranking_reports_diversity_and_novelty_and_is_deterministic()
    {
        string[] Args(string json, params string[] ranking) => ["evaluate", "--dataset", "movielens", MovieLensData.Generated, "--model", "popularity",
            "--k", "20", "--threads", "2", "--json", json, .. ranking];
        string[] reranked = ["--diversity", "0.5", "--popularity-penalty", "1", "--exploration", "0.1"];
        var (plain, output, error) = await RunWithOutputAsync(Args(Path.Combine(_dir, "plain.json")));
        Assert.True(plain == 0, error);
        Assert.Contains("| ild@20 |", output);
        Assert.Contains("| novelty@20 |", output);
        Assert.Contains("reference: 64 factors", output);
        var (first, _, firstError) = await RunWithOutputAsync(Args(Path.Combine(_dir, "a.json"), reranked));
        var (second, _, _) = await RunWithOutputAsync(Args(Path.Combine(_dir, "b.json"), reranked));
        Assert.True(first + second == 0, firstError);

        var before = Metrics(Path.Combine(_dir, "plain.json"));
        var after = Metrics(Path.Combine(_dir, "a.json"));
        Assert.Equal(after, Metrics(Path.Combine(_dir, "b.json")));
        // Popularity recommends the same blockbusters to everyone: every control must widen and diversify the lists.
        Assert.True(after["coverage@20"] > before["coverage@20"], $"coverage {after["coverage@20"]} vs {before["coverage@20"]}");
        Assert.True(after["ild@20"] > before["ild@20"], $"ILD {after["ild@20"]} vs {before["ild@20"]}");
        Assert.True(after["novelty@20"] > before["novelty@20"], $"novelty {after["novelty@20"]} vs {before["novelty@20"]}");
        var ranking = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "a.json"))).RootElement.GetProperty("Ranking");
        Assert.Equal(0.5, ranking.GetProperty("diversity").GetDouble());
    }

    [Fact]
    public async Task An_out_of_range_reranking_option_is_one_error_naming_the_option()
    {
        var (code, _, error) = await RunWithOutputAsync("evaluate", "--dataset", "movielens", MovieLensData.Generated, "--model", "popularity",
            "--exploration", "1");
        Assert.Equal(2, code);
        Assert.Equal("error: --exploration must be at least 0 and less than 1, not 1.", error.Trim().Split('\n')[^1]);
    }

    [Fact]
    public async Task Recommend_writes_k_unseen_items_per_listed_user_in_rank_order()
    {
        var users = Path.Combine(_dir, "users.txt");
        await File.WriteAllTextAsync(users, "userId\n1\n414\n");
        var output = Path.Combine(_dir, "recs.csv");
        var (code, _, error) = await RunWithOutputAsync("recommend", "--dataset", "movielens", MovieLensData.Generated, "--model", "ease",
            "--users", users, "--k", "10", "--out", output);
        Assert.True(code == 0, error);

        var lines = await File.ReadAllLinesAsync(output);
        Assert.Equal("userId,itemId,rank,score", lines[0]);
        Assert.Equal(20, lines.Length - 1);
        var seen = (await File.ReadAllLinesAsync(Path.Combine(MovieLensData.Generated, "ratings.csv"))).Skip(1)
            .Select(l => l.Split(',')).Where(f => f[0] is "1" or "414").Select(f => (f[0], f[1])).ToHashSet();
        foreach (var user in new[] { "1", "414" })
        {
            var rows = lines.Skip(1).Select(l => l.Split(',')).Where(f => f[0] == user).ToList();
            Assert.Equal(Enumerable.Range(1, 10), rows.Select(f => int.Parse(f[2])));
            var scores = rows.Select(f => double.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(scores.OrderByDescending(x => x), scores);
            Assert.DoesNotContain(rows, f => seen.Contains((user, f[1])));
        }
    }

    [Fact]
    public async Task Recommend_for_an_unknown_user_names_the_file_and_line()
    {
        var users = Path.Combine(_dir, "users.txt");
        await File.WriteAllTextAsync(users, "1\nnobody\n");
        var (code, _, error) = await RunWithOutputAsync("recommend", "--dataset", "movielens", MovieLensData.Generated, "--model", "popularity",
            "--users", users, "--out", Path.Combine(_dir, "recs.csv"));
        Assert.Equal(2, code);
        Assert.Equal($"error: {users}:2: user 'nobody' has no interactions in the data set.", error.Trim().Split('\n')[^1]);
        Assert.False(File.Exists(Path.Combine(_dir, "recs.csv")));
    }

    [Theory]
    [InlineData("als")]
    [InlineData("mf")]
    public async Task Train_from_files_writes_a_model_folder_that_reads_back(string model)
    {
        var folder = Path.Combine(_dir, "model-" + model);
        var (code, _, error) = await RunWithOutputAsync("train", "--dataset", "movielens", MovieLensData.Generated, "--model", model,
            "--factors", "8", "--iterations", "3", "--out", folder);
        Assert.True(code == 0, error);
        var (read, itemIds) = Personalization.Trainer.Models.ModelDirectory.Read(folder);
        Assert.Equal(model, read.Name);
        Assert.Equal(read.Items, itemIds.Length);
        Assert.Contains("\"model\": \"" + model + "\"", await File.ReadAllTextAsync(Path.Combine(folder, "model.json")));
    }

    [Fact]
    public async Task An_unknown_model_is_one_error_naming_the_option()
    {
        var (code, _, error) = await RunWithOutputAsync("evaluate", "--dataset", "movielens", MovieLensData.Generated, "--model", "svd");
        Assert.Equal(2, code);
        Assert.Equal("error: --model must be one of als, ease, mf, multvae, popularity, sasrec, not 'svd'.", error.Trim().Split('\n')[^1]);
    }

    private static Dictionary<string, double> Metrics(string path) =>
        System.Text.Json.JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("Metrics").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetDouble());

    private static async Task<(int Code, string Error)> RunAsync(params string[] args)
    {
        var (code, _, error) = await RunWithOutputAsync(args);
        return (code, error);
    }

    private static async Task<(int Code, string Output, string Error)> RunWithOutputAsync(params string[] args)
    {
        var (originalOut, originalError) = (Console.Out, Console.Error);
        var (output, error) = (new StringWriter(), new StringWriter());
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            return (await Personalization.Trainer.Program.Main(args), output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
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
