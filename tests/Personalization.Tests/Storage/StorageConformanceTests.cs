using System.Data.Common;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Personalization.Recommender;
using Personalization.Storage;
using Personalization.Storage.Postgres;
using Xunit.Abstractions;

namespace Personalization.Tests.Storage;

/// <summary>
/// What every storage provider must do, run against each of them (one derived class per provider). Each test
/// gets a fresh, empty store; <see cref="CreateServicesAsync"/> may be called again for a second "silo" on the
/// same store.
/// </summary>
public abstract class StorageConformanceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
    private readonly List<ServiceProvider> _providers = [];

    /// <summary>Provider name for test output.</summary>
    protected abstract string Provider { get; }

    /// <summary>Prepares an empty store for one test.</summary>
    protected abstract Task CreateStoreAsync();

    /// <summary>Registers the provider on the test's store (the way a silo does).</summary>
    protected abstract void AddStorage(IServiceCollection services);

    /// <summary>Removes the test's store after its service providers were disposed.</summary>
    protected abstract Task DeleteStoreAsync();

    private IGrainStateStore Grains { get; set; } = null!;
    private IInteractionHistory History { get; set; } = null!;
    private ICatalogStore Catalog { get; set; } = null!;
    private IModelStore Models { get; set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        await CreateStoreAsync();
        var services = NewSilo();
        Grains = services.GetRequiredService<IGrainStateStore>();
        History = services.GetRequiredService<IInteractionHistory>();
        Catalog = services.GetRequiredService<ICatalogStore>();
        Models = services.GetRequiredService<IModelStore>();
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        foreach (var provider in _providers) await provider.DisposeAsync();
        await DeleteStoreAsync();
    }

    /// <summary>A second set of services on the same store, as another silo would have.</summary>
    protected IServiceProvider NewSilo()
    {
        var services = new ServiceCollection();
        AddStorage(services);
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        return provider;
    }

    // ---- grain state ----

    [Fact]
    public async Task Grain_state_round_trips()
    {
        var id = new GrainKey("user", "alice");
        Assert.Null(await Grains.ReadAsync(id, default));

        await Grains.WriteAsync([new GrainStateWrite(id, [1, 2, 3, 0, 255], 0, "epoch-a", 41)], default);
        var other = new GrainKey("item", "ünïcødé/κλειδί 'quoted'");
        await Grains.WriteAsync([new GrainStateWrite(other, [], 0, null, -1)], default);

        var state = await Grains.ReadAsync(id, default);
        Assert.NotNull(state);
        Assert.Equal([1, 2, 3, 0, 255], state.Payload);
        Assert.Equal(1, state.Version);
        Assert.Equal("epoch-a", state.LogEpoch);
        Assert.Equal(41, state.AppliedOffset);

        var second = await Grains.ReadAsync(other, default);
        Assert.NotNull(second);
        Assert.Empty(second.Payload);
        Assert.Equal(1, second.Version);
        Assert.Null(second.LogEpoch);
        Assert.Equal(-1, second.AppliedOffset);

        Assert.Null(await Grains.ReadAsync(new GrainKey("item", "alice"), default)); // the type is part of the id
        Assert.Null(await Grains.ReadAsync(new GrainKey("user", "ALICE"), default)); // keys are case-sensitive
    }

    [Fact]
    public async Task Each_write_increments_the_version()
    {
        var id = new GrainKey("user", "bob");
        for (var expected = 0; expected < 5; expected++)
        {
            await Grains.WriteAsync([new GrainStateWrite(id, [(byte)expected], expected, "e", expected * 10)], default);
            var state = await Grains.ReadAsync(id, default);
            Assert.Equal(expected + 1, state!.Version);
            Assert.Equal([(byte)expected], state.Payload);
            Assert.Equal(expected * 10, state.AppliedOffset);
        }
    }

    [Fact]
    public async Task Empty_batch_is_a_no_op()
    {
        await Grains.WriteAsync([], default);
        Assert.Null(await Grains.ReadAsync(new GrainKey("user", "x"), default));
    }

    [Fact]
    public async Task Conflicting_write_rolls_back_the_whole_batch()
    {
        var existing = new GrainKey("user", "existing");
        var updated = new GrainKey("user", "updated");
        await Grains.WriteAsync([new GrainStateWrite(existing, [1], 0, "e", 1), new GrainStateWrite(updated, [1], 0, "e", 1)], default);

        var batch = new List<GrainStateWrite>
        {
            new(new GrainKey("user", "new-1"), [9], 0, "e", 9),
            new(updated, [9], 1, "e", 9),              // valid on its own
            new(existing, [9], 5, "e", 9),             // stale: the stored version is 1
            new(new GrainKey("user", "new-2"), [9], 0, "e", 9),
        };
        var conflict = await Assert.ThrowsAsync<GrainStateConflictException>(() => Grains.WriteAsync(batch, default));
        Assert.Equal(existing, conflict.Grain);

        Assert.Null(await Grains.ReadAsync(new GrainKey("user", "new-1"), default));
        Assert.Null(await Grains.ReadAsync(new GrainKey("user", "new-2"), default));
        var u = await Grains.ReadAsync(updated, default);
        Assert.Equal((1L, (byte)1, 1L), (u!.Version, u.Payload[0], u.AppliedOffset));
        var e = await Grains.ReadAsync(existing, default);
        Assert.Equal((1L, (byte)1), (e!.Version, e.Payload[0]));

        // The store is still usable, and the same batch with the right version goes through.
        batch[2] = new GrainStateWrite(existing, [9], 1, "e", 9);
        await Grains.WriteAsync(batch, default);
        foreach (var write in batch)
        {
            var state = await Grains.ReadAsync(write.Grain, default);
            Assert.Equal(write.ExpectedVersion + 1, state!.Version);
            Assert.Equal([9], state.Payload);
        }
    }

    [Fact]
    public async Task Conflict_names_the_first_conflicting_grain_of_the_batch()
    {
        // Sorted the other way round by key, so a provider reordering the batch internally must map back.
        var z = new GrainKey("user", "z");
        var a = new GrainKey("user", "a");
        await Grains.WriteAsync([new GrainStateWrite(z, [1], 0, null, 0), new GrainStateWrite(a, [1], 0, null, 0)], default);
        var conflict = await Assert.ThrowsAsync<GrainStateConflictException>(() => Grains.WriteAsync(
            [new GrainStateWrite(new GrainKey("user", "m"), [2], 0, null, 0), new GrainStateWrite(z, [2], 0, null, 0), new GrainStateWrite(a, [2], 7, null, 0)],
            default));
        Assert.Equal(z, conflict.Grain);
        Assert.Null(await Grains.ReadAsync(new GrainKey("user", "m"), default));
    }

    [Fact]
    public async Task Insert_over_existing_state_and_update_of_missing_state_conflict()
    {
        var id = new GrainKey("user", "carol");
        await Grains.WriteAsync([new GrainStateWrite(id, [1], 0, null, 0)], default);
        var insert = await Assert.ThrowsAsync<GrainStateConflictException>(() => Grains.WriteAsync([new GrainStateWrite(id, [2], 0, null, 0)], default));
        Assert.Equal(id, insert.Grain);

        var missing = new GrainKey("user", "nobody");
        var update = await Assert.ThrowsAsync<GrainStateConflictException>(() => Grains.WriteAsync([new GrainStateWrite(missing, [2], 3, null, 0)], default));
        Assert.Equal(missing, update.Grain);
        Assert.Null(await Grains.ReadAsync(missing, default));
        Assert.Equal([1], (await Grains.ReadAsync(id, default))!.Payload);
    }

    [Fact]
    public async Task A_grain_written_twice_in_one_batch_sees_its_first_write()
    {
        var id = new GrainKey("user", "twice");
        await Grains.WriteAsync([new GrainStateWrite(id, [1], 0, null, 1), new GrainStateWrite(id, [2], 1, null, 2)], default);
        var state = await Grains.ReadAsync(id, default);
        Assert.Equal((2L, (byte)2, 2L), (state!.Version, state.Payload[0], state.AppliedOffset));

        await Assert.ThrowsAsync<GrainStateConflictException>(() => Grains.WriteAsync(
            [new GrainStateWrite(id, [3], 2, null, 3), new GrainStateWrite(id, [4], 2, null, 4)], default));
        Assert.Equal(2, (await Grains.ReadAsync(id, default))!.Version);
    }

    [Fact]
    public async Task A_silo_that_lost_the_grain_cannot_overwrite_the_new_owner()
    {
        var id = new GrainKey("user", "moved");
        var oldOwner = NewSilo().GetRequiredService<IGrainStateStore>();
        var newOwner = NewSilo().GetRequiredService<IGrainStateStore>();
        await oldOwner.WriteAsync([new GrainStateWrite(id, [1], 0, "e", 10)], default);

        var read = await newOwner.ReadAsync(id, default);
        await newOwner.WriteAsync([new GrainStateWrite(id, [2], read!.Version, "e", 20)], default);

        var stale = await Assert.ThrowsAsync<GrainStateConflictException>(() => oldOwner.WriteAsync([new GrainStateWrite(id, [3], 1, "e", 15)], default));
        Assert.Equal(id, stale.Grain);
        var state = await Grains.ReadAsync(id, default);
        Assert.Equal((2L, (byte)2, 20L), (state!.Version, state.Payload[0], state.AppliedOffset));
    }

    [Fact]
    public async Task Of_two_concurrent_writers_with_the_same_expected_version_exactly_one_wins()
    {
        var siloA = NewSilo().GetRequiredService<IGrainStateStore>();
        var siloB = NewSilo().GetRequiredService<IGrainStateStore>();
        for (var round = 0; round < 20; round++)
        {
            var id = new GrainKey("user", $"contended-{round}");
            var shared = new GrainKey("user", $"bystander-{round}");
            // Odd rounds race on the first write (expected 0), even rounds on an update (expected 1).
            var expected = round % 2 == 0 ? 1L : 0L;
            if (expected == 1) await Grains.WriteAsync([new GrainStateWrite(id, [0], 0, null, 0)], default);

            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var a = Task.Run(async () =>
            {
                await gate.Task;
                await siloA.WriteAsync([new GrainStateWrite(new GrainKey("user", $"a-only-{round}"), [0xA], 0, null, 0), new GrainStateWrite(id, [0xA], expected, null, 1)], default);
            });
            var b = Task.Run(async () =>
            {
                await gate.Task;
                await siloB.WriteAsync([new GrainStateWrite(id, [0xB], expected, null, 1), new GrainStateWrite(shared, [0xB], 0, null, 0)], default);
            });
            gate.SetResult();
            var outcomes = await Task.WhenAll(Record.ExceptionAsync(() => a), Record.ExceptionAsync(() => b));

            Assert.Single(outcomes, o => o is null);
            var loser = Assert.Single(outcomes, o => o is not null);
            var conflict = Assert.IsType<GrainStateConflictException>(loser);
            Assert.Equal(id, conflict.Grain);

            var winnerPayload = outcomes[0] is null ? (byte)0xA : (byte)0xB;
            var state = await Grains.ReadAsync(id, default);
            Assert.Equal((expected + 1, winnerPayload), (state!.Version, state.Payload[0]));
            // The loser's other write was rolled back with it.
            Assert.Equal(winnerPayload == 0xA, await Grains.ReadAsync(new GrainKey("user", $"a-only-{round}"), default) is not null);
            Assert.Equal(winnerPayload == 0xB, await Grains.ReadAsync(shared, default) is not null);
        }
    }

    [Fact]
    public async Task Overlapping_batches_in_opposite_orders_one_wins_whole_the_other_conflicts()
    {
        var siloA = NewSilo().GetRequiredService<IGrainStateStore>();
        var siloB = NewSilo().GetRequiredService<IGrainStateStore>();
        for (var round = 0; round < 10; round++)
        {
            var ids = Enumerable.Range(0, 200).Select(i => new GrainKey("item", $"r{round}-{i:D3}")).ToList();
            await Grains.WriteAsync(ids.Select(id => new GrainStateWrite(id, [0], 0, null, 0)).ToList(), default);

            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var a = Task.Run(async () =>
            {
                await gate.Task;
                await siloA.WriteAsync(ids.Select(id => new GrainStateWrite(id, [0xA], 1, null, 1)).ToList(), default);
            });
            var b = Task.Run(async () =>
            {
                await gate.Task;
                await siloB.WriteAsync(Enumerable.Reverse(ids).Select(id => new GrainStateWrite(id, [0xB], 1, null, 1)).ToList(), default);
            });
            gate.SetResult();
            var outcomes = await Task.WhenAll(Record.ExceptionAsync(() => a), Record.ExceptionAsync(() => b));

            // Not a deadlock error: a clean conflict for the loser.
            Assert.Single(outcomes, o => o is null);
            Assert.IsType<GrainStateConflictException>(Assert.Single(outcomes, o => o is not null));
            var winner = outcomes[0] is null ? (byte)0xA : (byte)0xB;
            foreach (var id in ids)
            {
                var state = await Grains.ReadAsync(id, default);
                Assert.Equal((2L, winner), (state!.Version, state.Payload[0]));
            }
        }
    }


    // ---- interaction history ----

    [Fact]
    public async Task Appends_are_idempotent_on_the_source_key()
    {
        Assert.Equal(0, await History.CountAsync(default));
        await History.AppendAsync([], default);
        await History.AppendAsync([Rec("log:e:t:0:1", "u1", "i1", 1), Rec("log:e:t:0:2", "u1", "i2", 2), Rec("log:e:t:0:2", "u1", "DUPLICATE", 3)], default);
        Assert.Equal(2, await History.CountAsync(default));

        await History.AppendAsync([Rec("log:e:t:0:1", "u1", "REPLAYED", 1), Rec("log:e:t:0:3", "u1", "i3", 3), Rec("log:e:t:0:2", "u1", "REPLAYED", 2)], default);
        Assert.Equal(3, await History.CountAsync(default));

        var all = await ReadAll();
        Assert.Equal(["i1", "i2", "i3"], all.Select(r => r.ItemId));
    }

    [Fact]
    public async Task Records_round_trip_with_all_fields()
    {
        var withValue = new InteractionRecord("import:ml:1", "user 1", "item/1", "rating", 3.75f, T0.AddMilliseconds(123));
        var withoutValue = new InteractionRecord("log:e:interactions:3:17", "üser", "ítem", "play", null, T0.AddDays(-400));
        var tiny = new InteractionRecord("log:e:interactions:3:18", "üser", "x", "watch", 1.17549435E-38f, DateTimeOffset.FromUnixTimeMilliseconds(0));
        await History.AppendAsync([withValue, withoutValue, tiny], default);
        Assert.Equal([withValue, withoutValue, tiny], await ReadAll());
        Assert.Equal([tiny, withoutValue], await History.ReadUserAsync("üser", importedOnly: false, 10, default));
    }

    [Fact]
    public async Task ReadUser_returns_the_most_recent_records_oldest_first()
    {
        // Appended out of time order, with a tie at T0+2 broken by insertion order, and another user in between.
        await History.AppendAsync(
        [
            Rec("import:3", "u", "c", 3), Rec("import:1", "u", "a", 1), Rec("log:x:0:1", "other", "zz", 5),
            Rec("log:x:0:2", "u", "d", 4), Rec("import:2a", "u", "b1", 2), Rec("log:x:0:3", "u", "b2", 2),
        ], default);

        Assert.Equal(["a", "b1", "b2", "c", "d"], Items(await History.ReadUserAsync("u", importedOnly: false, 100, default)));
        Assert.Equal(["b2", "c", "d"], Items(await History.ReadUserAsync("u", importedOnly: false, 3, default)));
        Assert.Equal(["d"], Items(await History.ReadUserAsync("u", importedOnly: false, 1, default)));
        Assert.Empty(await History.ReadUserAsync("u", importedOnly: false, 0, default));

        Assert.Equal(["a", "b1", "c"], Items(await History.ReadUserAsync("u", importedOnly: true, 100, default)));
        Assert.Equal(["b1", "c"], Items(await History.ReadUserAsync("u", importedOnly: true, 2, default)));
        Assert.All(await History.ReadUserAsync("u", importedOnly: true, 100, default), r => Assert.True(r.IsImported));

        Assert.Equal(["zz"], Items(await History.ReadUserAsync("other", importedOnly: false, 10, default)));
        Assert.Empty(await History.ReadUserAsync("other", importedOnly: true, 10, default));
        Assert.Empty(await History.ReadUserAsync("nobody", importedOnly: false, 10, default));

        static IEnumerable<string> Items(IReadOnlyList<InteractionRecord> records) => records.Select(r => r.ItemId);
    }

    [Fact]
    public async Task ReadAll_streams_in_insertion_order_not_time_order()
    {
        var first = Enumerable.Range(0, 300).Select(i => Rec($"log:e:t:0:{i}", $"u{i % 7}", $"i{i}", 1000 - i)).ToList();
        var second = Enumerable.Range(300, 200).Select(i => Rec($"log:e:t:1:{i}", $"u{i % 5}", $"i{i}", i)).ToList();
        await History.AppendAsync(first, default);
        await History.AppendAsync(second, default);
        await History.AppendAsync(first.Take(50).ToList(), default); // replay: stays where it was

        Assert.Equal(first.Concat(second).ToList(), await ReadAll());
        Assert.Equal(500, await History.CountAsync(default));

        // Abandoning the enumeration early releases the reader: the store keeps working.
        await foreach (var record in History.ReadAllAsync(default))
        {
            Assert.Equal(first[0], record);
            break;
        }
        Assert.Equal(500, await History.CountAsync(default));
    }

    [Fact]
    public async Task Large_appends_and_upserts_keep_order_and_idempotence()
    {
        // Larger than a provider's statement chunk (PostgreSQL sends 20,000 rows per statement), with a
        // duplicate source key straddling the chunk boundary.
        var count = 2 * PostgresInteractionHistory.ChunkSize + 5;
        var records = Enumerable.Range(0, count).Select(i => Rec($"import:big:{i}", $"u{i % 100}", $"i{i}", count - i)).ToList();
        var withDuplicate = records.ToList();
        withDuplicate.Insert(PostgresInteractionHistory.ChunkSize + 1, records[10] with { ItemId = "DUPLICATE" });
        await History.AppendAsync(withDuplicate, default);
        Assert.Equal(count, await History.CountAsync(default));
        Assert.Equal(records, await ReadAll());

        var items = Enumerable.Range(0, PostgresCatalogStore.ChunkSize + 10)
            .Select(i => new CatalogItem($"item-{i}", $"Title {i}", ["G"], [], T0.AddSeconds(i))).ToList();
        await Catalog.UpsertAsync(items, default);
        await Catalog.UpsertAsync(items.Select(i => i with { Title = "Renamed", AddedAt = T0.AddYears(1) }).ToList(), default);
        var stored = await Catalog.ReadAllAsync(default);
        Assert.Equal(items.Count, await Catalog.CountAsync(default));
        Assert.All(stored, i => Assert.Equal("Renamed", i.Title));
        Assert.Equal(items.Select(i => (i.ItemId, i.AddedAt)).OrderBy(p => p.ItemId, StringComparer.Ordinal),
            stored.Select(i => (i.ItemId, i.AddedAt)).OrderBy(p => p.ItemId, StringComparer.Ordinal));
    }

    // ---- catalog ----

    [Fact]
    public async Task Catalog_upsert_replaces_fields_but_keeps_AddedAt()
    {
        Assert.Equal(0, await Catalog.CountAsync(default));
        Assert.Empty(await Catalog.ReadAllAsync(default));
        await Catalog.UpsertAsync(
        [
            new CatalogItem("1", "Toy Story (1995)", ["Animation", "Children's", "Comedy"], [], T0),
            new CatalogItem("2", "Jumanji (1995)", [], ["fantasy", "board game"], T0.AddHours(1)),
        ], default);
        await Catalog.UpsertAsync(
        [
            new CatalogItem("1", "Toy Story", ["Animation"], ["pixar"], T0.AddDays(30)),
            new CatalogItem("3", "Heat (1995)", ["Action"], [], T0.AddDays(30)),
        ], default);

        var items = (await Catalog.ReadAllAsync(default)).OrderBy(i => i.ItemId, StringComparer.Ordinal).ToList();
        Assert.Equal(3, await Catalog.CountAsync(default));
        Assert.Equal(3, items.Count);
        AssertItem(new CatalogItem("1", "Toy Story", ["Animation"], ["pixar"], T0), items[0]);
        AssertItem(new CatalogItem("2", "Jumanji (1995)", [], ["fantasy", "board game"], T0.AddHours(1)), items[1]);
        AssertItem(new CatalogItem("3", "Heat (1995)", ["Action"], [], T0.AddDays(30)), items[2]);

        static void AssertItem(CatalogItem expected, CatalogItem actual)
        {
            Assert.Equal(expected.ItemId, actual.ItemId);
            Assert.Equal(expected.Title, actual.Title);
            Assert.Equal(expected.Genres, actual.Genres);
            Assert.Equal(expected.Tags, actual.Tags);
            Assert.Equal(expected.AddedAt, actual.AddedAt);
        }
    }

    [Fact]
    public async Task Artwork_variants_round_trip_and_an_item_without_them_reads_back_null()
    {
        await Catalog.UpsertAsync(
        [
            new CatalogItem("a", "With art", ["Drama"], [], T0, [new ArtworkVariant("dark", ["dark", "close-up"]), new ArtworkVariant("plain", [])]),
            new CatalogItem("b", "Without", [], [], T0),
        ], default);
        var items = (await Catalog.ReadAllAsync(default)).ToDictionary(i => i.ItemId);
        Assert.Equal(["dark", "plain"], items["a"].Artwork!.Select(v => v.Id));
        Assert.Equal(["dark", "close-up"], items["a"].Artwork![0].Tags);
        Assert.Empty(items["a"].Artwork![1].Tags);
        Assert.Null(items["b"].Artwork);

        // An update replaces the variants, as it replaces the other fields.
        await Catalog.UpsertAsync([new CatalogItem("a", "With art", ["Drama"], [], T0, [new ArtworkVariant("bright", ["bright"])])], default);
        Assert.Equal(["bright"], (await Catalog.ReadAllAsync(default)).Single(i => i.ItemId == "a").Artwork!.Select(v => v.Id));
    }

    // ---- experiments ----

    private IExperimentStore Experiments => NewSilo().GetRequiredService<IExperimentStore>();

    [Fact]
    public async Task Experiments_keep_their_epoch_on_change_and_start_the_next_when_asked_to_reassign()
    {
        var store = Experiments;
        Assert.Null(await store.FindAsync("e1", default));
        var created = await store.UpsertAsync("e1", """{"v":1}""", reassign: false, default);
        Assert.Equal(("e1", 1), (created.Id, created.Epoch));
        Assert.Contains("\"v\":1", created.Definition.Replace(" ", ""));
        var changed = await store.UpsertAsync("e1", """{"v":2}""", reassign: false, default);
        Assert.Equal(1, changed.Epoch);
        Assert.Contains("\"v\":2", changed.Definition.Replace(" ", ""));
        Assert.Equal(created.CreatedAt, changed.CreatedAt);
        Assert.True(changed.UpdatedAt >= created.UpdatedAt);
        var reassigned = await store.UpsertAsync("e1", """{"v":3}""", reassign: true, default);
        Assert.Equal(2, reassigned.Epoch);
        await store.UpsertAsync("e0", """{"v":0}""", reassign: true, default); // a new experiment starts at 1 even when asked to reassign
        var all = await Experiments.ReadAllAsync(default); // another silo sees them
        Assert.Equal(["e0", "e1"], all.Select(e => e.Id));
        Assert.Equal([1, 2], all.Select(e => e.Epoch));
        Assert.Equal(2, (await Experiments.FindAsync("e1", default))!.Epoch);
    }

    [Fact]
    public async Task The_first_exposure_of_an_epoch_wins_even_when_silos_race()
    {
        var silos = Enumerable.Range(0, 4).Select(_ => Experiments).ToList();
        var at = T0;
        // 4 "silos" × 10 attempts each, with different variants, for the same user at once.
        var attempts = Enumerable.Range(0, 40).Select(i =>
            silos[i % 4].LogExposureAsync(new ExposureRecord("race", 1, "u1", $"v{i}", at.AddSeconds(i)), default)).ToList();
        var results = await Task.WhenAll(attempts);
        var winner = results[0].Variant;
        Assert.All(results, r => Assert.Equal(winner, r.Variant));
        Assert.All(results, r => Assert.Equal(results[0].At, r.At));
        Assert.Single(await silos[0].ReadExposuresAsync("race", 1, default));

        // Later calls return the stored one; another epoch or experiment is separate; order is the logging order.
        Assert.Equal(winner, (await silos[1].LogExposureAsync(new ExposureRecord("race", 1, "u1", "other", at.AddDays(1)), default)).Variant);
        Assert.Equal("fresh", (await silos[1].LogExposureAsync(new ExposureRecord("race", 2, "u1", "fresh", at), default)).Variant);
        await silos[2].LogExposureAsync(new ExposureRecord("race", 1, "u3", "b", at), default);
        await silos[3].LogExposureAsync(new ExposureRecord("race", 1, "u2", "a", at), default);
        var log = await silos[0].ReadExposuresAsync("race", 1, default);
        Assert.Equal(["u1", "u3", "u2"], log.Select(e => e.UserId));
        Assert.Equal(["fresh"], (await silos[0].ReadExposuresAsync("race", 2, default)).Select(e => e.Variant));
        Assert.Empty(await silos[0].ReadExposuresAsync("other-experiment", 1, default));
    }

    [Fact]
    public async Task An_item_listed_twice_in_one_upsert_ends_as_its_last_listing_with_the_first_AddedAt()
    {
        await Catalog.UpsertAsync(
            [new CatalogItem("7", "First", ["A"], [], T0), new CatalogItem("8", "Other", [], [], T0), new CatalogItem("7", "Last", ["B"], ["t"], T0.AddDays(1))],
            default);
        var item = Assert.Single(await Catalog.ReadAllAsync(default), i => i.ItemId == "7");
        Assert.Equal(("Last", T0), (item.Title, item.AddedAt));
        Assert.Equal(["B"], item.Genres);
        Assert.Equal(2, await Catalog.CountAsync(default));
    }

    // ---- models ----

    [Fact]
    public async Task Model_store_publishes_loads_lists_and_versions()
    {
        Assert.Equal(1, await Models.NextVersionAsync(default));
        Assert.Null(await Models.LoadLatestAsync(default));
        Assert.Null(await Models.LoadAsync(1, default));
        Assert.Empty(await Models.ListAsync(default));

        var v1 = Model(1, seed: 1);
        var v2 = Model(2, seed: 2);
        await Models.PublishAsync(v1, default);
        Assert.Equal(2, await Models.NextVersionAsync(default));
        await Models.PublishAsync(v2, default);
        Assert.Equal(3, await Models.NextVersionAsync(default));

        AssertModel(v2, await Models.LoadLatestAsync(default));
        AssertModel(v1, await Models.LoadAsync(1, default));
        AssertModel(v2, await Models.LoadAsync(2, default));
        Assert.Null(await Models.LoadAsync(3, default));

        var list = await Models.ListAsync(default);
        Assert.Equal([2L, 1L], list.Select(m => m.Version));
        Assert.Equal(v2.TrainedAt, list[0].TrainedAt);
        Assert.Equal(v2.DataCutoff, list[0].DataCutoff);
        Assert.Equal(v2.Metrics.OrderBy(p => p.Key), list[0].Metrics.OrderBy(p => p.Key));
        Assert.Equal(v1.Metrics.OrderBy(p => p.Key), list[1].Metrics.OrderBy(p => p.Key));

        // Versions need not be contiguous: the next one follows the highest.
        await Models.PublishAsync(Model(10, seed: 10), default);
        Assert.Equal(11, await Models.NextVersionAsync(default));
        Assert.Equal(10, (await Models.LoadLatestAsync(default))!.Version);
    }

    [Fact]
    public async Task Publishing_an_existing_version_fails_and_keeps_the_original()
    {
        var original = Model(1, seed: 1);
        await Models.PublishAsync(original, default);
        await Assert.ThrowsAnyAsync<DbException>(() => Models.PublishAsync(Model(1, seed: 99), default));
        AssertModel(original, await Models.LoadAsync(1, default));
        Assert.Single(await Models.ListAsync(default));
        Assert.Equal(2, await Models.NextVersionAsync(default));
    }

    // ---- bulk (timed, for information) ----

    [Fact]
    public async Task Bulk_write_of_1000_states_and_append_of_10000_records()
    {
        // Warm up the connection pool, statement caches and JIT.
        await Grains.WriteAsync([new GrainStateWrite(new GrainKey("warm", "up"), [1], 0, null, 0)], default);
        await History.AppendAsync([Rec("warm:up", "w", "w", 0)], default);

        var payload = new byte[200];
        Random.Shared.NextBytes(payload);
        var inserts = Enumerable.Range(0, 1000).Select(i => new GrainStateWrite(new GrainKey("user", $"u{i:D5}"), payload, 0, "epoch", i)).ToList();
        var updates = inserts.Select(w => w with { ExpectedVersion = 1, AppliedOffset = w.AppliedOffset + 1000 }).ToList();
        var records = Enumerable.Range(0, 10_000)
            .Select(i => new InteractionRecord($"log:epoch:interactions:{i % 8}:{i}", $"u{i % 1000:D5}", $"i{i % 3000}", "play", i % 3 == 0 ? null : i * 0.5f, T0.AddSeconds(i)))
            .ToList();

        var insertTime = await Time(() => Grains.WriteAsync(inserts, default));
        var updateTime = await Time(() => Grains.WriteAsync(updates, default));
        var appendTime = await Time(() => History.AppendAsync(records, default));
        var replayTime = await Time(() => History.AppendAsync(records, default));
        output.WriteLine($"{Provider}: 1,000 grain states: insert {insertTime.TotalMilliseconds:F0} ms, conditional update {updateTime.TotalMilliseconds:F0} ms; " +
                         $"10,000 history records: append {appendTime.TotalMilliseconds:F0} ms, replayed append {replayTime.TotalMilliseconds:F0} ms");

        Assert.Equal(10_001, await History.CountAsync(default));
        Assert.Equal(2, (await Grains.ReadAsync(new GrainKey("user", "u00999"), default))!.Version);
        Assert.Equal(1999, (await Grains.ReadAsync(new GrainKey("user", "u00999"), default))!.AppliedOffset);
        Assert.Equal(10, (await History.ReadUserAsync("u00007", importedOnly: false, 100, default)).Count);

        static async Task<TimeSpan> Time(Func<Task> action)
        {
            var started = Stopwatch.GetTimestamp();
            await action();
            return Stopwatch.GetElapsedTime(started);
        }
    }

    // ---- helpers ----

    private static InteractionRecord Rec(string source, string user, string item, int seconds) =>
        new(source, user, item, "play", seconds, T0.AddSeconds(seconds));

    private async Task<List<InteractionRecord>> ReadAll()
    {
        var records = new List<InteractionRecord>();
        await foreach (var record in History.ReadAllAsync(default)) records.Add(record);
        return records;
    }

    private static FactorModel Model(long version, int seed)
    {
        var random = new Random(seed);
        const int k = 3;
        string[] ids = ["1", "2", "10", "ítem"];
        var factors = Enumerable.Range(0, ids.Length * k).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var gram = new double[k * k];
        for (var i = 0; i < k; i++)
        for (var j = 0; j < k; j++)
        for (var r = 0; r < ids.Length; r++)
            gram[i * k + j] += factors[r * k + i] * (double)factors[r * k + j];
        var popularity = ids.Select((_, i) => (float)(i + seed)).ToArray();
        var metrics = new Dictionary<string, double> { ["ndcg@10"] = 0.1 * seed + 0.0123456789, ["recall@20"] = 1.0 / 3, ["train_seconds"] = seed };
        // Even seeds carry a content mapping, so the registry is seen to keep it and to keep its absence.
        var content = seed % 2 == 0
            ? new ContentMapping(["genre:Film-Noir", "tag:dark"], Enumerable.Range(0, 2 * k).Select(_ => (float)random.NextDouble()).ToArray(), k, 10.0)
            : null;
        return new FactorModel(version, T0.AddHours(version), T0.AddHours(version - 1), k, 40f, 0.05f, ids, factors, gram, popularity, metrics, content);
    }

    private static void AssertModel(FactorModel expected, FactorModel? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.TrainedAt, actual.TrainedAt);
        Assert.Equal(expected.DataCutoff, actual.DataCutoff);
        Assert.Equal(expected.Factors, actual.Factors);
        Assert.Equal(expected.Alpha, actual.Alpha);
        Assert.Equal(expected.Regularization, actual.Regularization);
        Assert.Equal(expected.ItemIds, actual.ItemIds);
        Assert.Equal(expected.ItemFactors, actual.ItemFactors);
        Assert.Equal(expected.Gram, actual.Gram);
        Assert.Equal(expected.ItemPopularity, actual.ItemPopularity);
        Assert.Equal(expected.Metrics.OrderBy(p => p.Key), actual.Metrics.OrderBy(p => p.Key));
        Assert.Equal(expected.Content is null, actual.Content is null);
        Assert.Equal(expected.Content?.Features, actual.Content?.Features);
        Assert.Equal(expected.Content?.Weights, actual.Content?.Weights);
        Assert.Equal(expected.Content?.Regularization, actual.Content?.Regularization);
    }
}
