using Parquet.Serialization;
using Personalization.Trainer.Datasets;

namespace Personalization.Tests.Trainer;

public sealed class InteractionLogDatasetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("logs-").FullName;

    private static readonly ColumnMapping Mapping = ColumnMapping.Parse("user=uid,item=title,type=event,value=amount,time=at");

    [Fact]
    public void A_csv_log_is_read_through_its_column_mapping_with_a_catalog()
    {
        var log = Path.Combine(_dir, "log.csv");
        File.WriteAllText(log, "at,uid,title,event,amount\n1700000000,u1,t1,play,\n2023-11-14T22:14:00Z,u1,t2,watch,1800\n1700000100,u2,t1,rating,4.5\n");
        var catalog = Path.Combine(_dir, "catalog.csv");
        File.WriteAllText(catalog, "itemId,title,genres\nt1,\"Heat, Director's Cut\",Action|Crime\nt2,Amélie,Comedy\n");
        var data = InteractionLogDataset.Load(log, Mapping, catalog);

        Assert.Equal(["Heat, Director's Cut", "Amélie"], data.Items.Select(i => i.Title));
        var rows = data.Interactions.ToList();
        Assert.Equal(3, rows.Count);
        Assert.Equal(("u1", "t1", "play", (float?)null), (rows[0].UserId, rows[0].ItemId, rows[0].Type, rows[0].Value));
        Assert.Equal(("watch", 1800f, 1700000040L), (rows[1].Type, rows[1].Value!.Value, rows[1].Timestamp.ToUnixTimeSeconds()));
        Assert.Equal(("rating", 4.5f), (rows[2].Type, rows[2].Value!.Value));
        Assert.All(rows, r => Assert.True(r.IsImported));
        Assert.Equal(3, rows.Select(r => r.SourceKey).Distinct().Count());
    }

    [Theory]
    [InlineData("at,uid,title,event,amount\n1700000000,u1,t9,play,\n", "log.csv:2:15: item 't9' is not in the catalog.")]
    [InlineData("at,uid,title,event,amount\n1700000000,u1,t1,jump,\n", "log.csv:2:18: type 'jump' is not an event type")]
    [InlineData("at,uid,title,event,amount\nyesterday,u1,t1,play,\n", "log.csv:2:1: time 'yesterday' is neither Unix seconds nor an ISO 8601")]
    [InlineData("at,uid,title,event,amount\n1700000000,u1,t1,rating,lots\n", "log.csv:2:25: value 'lots' is not a number.")]
    [InlineData("at,uid,title,event,amount\n1700000000,u1,t1\n", "log.csv:2: expected 5 fields, found 3")]
    [InlineData("when,uid,title,event,amount\n", "log.csv:1: no column 'at' in the header")]
    public void A_bad_csv_row_names_file_line_and_column(string text, string expected)
    {
        var log = Path.Combine(_dir, "log.csv");
        File.WriteAllText(log, text);
        var catalog = Path.Combine(_dir, "catalog.csv");
        File.WriteAllText(catalog, "itemId,title,genres\nt1,Heat,Action\n");
        var ex = Assert.ThrowsAny<Exception>(() => InteractionLogDataset.Load(log, Mapping, catalog).Interactions.Count());
        Assert.IsType<DatasetFormatException>(ex);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void A_json_lines_log_without_a_catalog_takes_its_items_from_the_log()
    {
        var log = Path.Combine(_dir, "log.jsonl");
        File.WriteAllText(log, """
            {"uid": "u1", "title": 42, "event": "play", "at": 1700000000}
            {"uid": "u2", "title": "43", "event": "thumbs", "amount": 1, "at": "2023-11-14T22:13:21Z"}

            {"uid": "u2", "title": 42, "event": "skip", "amount": null, "at": 1700000002}
            """);
        var data = InteractionLogDataset.Load(log, Mapping);
        Assert.Equal(["42", "43"], data.Items.Select(i => i.ItemId));
        var rows = data.Interactions.ToList();
        Assert.Equal(["play", "thumbs", "skip"], rows.Select(r => r.Type));
        Assert.Equal(1700000001L, rows[1].Timestamp.ToUnixTimeSeconds());

        File.AppendAllText(log, "\n{\"uid\": \"u3\", \"title\": 42, \"at\": 1700000003\n");
        var ex = Assert.Throws<DatasetFormatException>(() => InteractionLogDataset.Load(log, Mapping).Interactions.Count());
        Assert.Equal(5, ex.Line);
        File.WriteAllText(log, "{\"uid\": \"u3\", \"at\": 1700000003}\n");
        ex = Assert.Throws<DatasetFormatException>(() => InteractionLogDataset.Load(log, Mapping).Interactions.Count());
        Assert.Contains("log.jsonl:1: no property 'title'", ex.Message);
    }

    [Fact]
    public async Task A_parquet_log_is_read_column_by_column()
    {
        var log = Path.Combine(_dir, "log.parquet");
        await ParquetSerializer.SerializeAsync(
            new[] { new LogRow("u1", "t1", 1700000000L, 4.0), new LogRow("u2", "t1", 1700000001L, null), new LogRow("u2", "t2", 1700000002L, 2.5) }, log);
        // No type column: rows with a value are ratings, the others plays.
        var data = InteractionLogDataset.Load(log, ColumnMapping.Parse("user=uid,item=title,type=-,value=amount,time=at"));
        var rows = data.Interactions.ToList();
        Assert.Equal(["t1", "t2"], data.Items.Select(i => i.ItemId));
        Assert.Equal([("u1", "rating", (float?)4f), ("u2", "play", null), ("u2", "rating", 2.5f)], rows.Select(r => (r.UserId, r.Type, r.Value)));
        Assert.Equal(1700000002L, rows[2].Timestamp.ToUnixTimeSeconds());

        var ex = Assert.Throws<DatasetFormatException>(() => InteractionLogDataset.Load(log, ColumnMapping.Parse("user=uid,item=movie,time=at")));
        Assert.Contains("no field 'movie'", ex.Message);
    }

    [Fact]
    public void A_bad_mapping_or_format_is_named()
    {
        Assert.Contains("unknown part 'who'", Assert.Throws<ArgumentException>(() => ColumnMapping.Parse("who=uid")).Message);
        Assert.Contains("'user' is not PART=COLUMN", Assert.Throws<ArgumentException>(() => ColumnMapping.Parse("user")).Message);
        var log = Path.Combine(_dir, "log.xml");
        File.WriteAllText(log, "<log/>");
        Assert.Contains("unknown log format '.xml'", Assert.Throws<ArgumentException>(() => InteractionLogDataset.Load(log, Mapping)).Message);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A row of the Parquet log the test writes.</summary>
    public sealed record LogRow(string uid, string title, long at, double? amount);
}
