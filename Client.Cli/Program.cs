using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Personalization.Client;
using Personalization.Contracts;

namespace Personalization.Client.Cli;

/// <summary>
/// <c>personalize</c>: <c>rows USER</c>, <c>recommend USER</c>, <c>track --user U --item I --type T</c>, <c>cluster</c>.
/// Gateways come from <c>--gateway</c> (repeatable) or <c>PERSONALIZE_GATEWAY</c> (comma-separated), the key from
/// <c>--api-key</c> or <c>PERSONALIZE_API_KEY</c>. Exit code 0 on success, 1 when the cluster refused or failed, 2 on
/// bad input.
/// </summary>
public static class Program
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Entry point.</summary>
    public static Task<int> Main(string[] args) => Build().Parse(args).InvokeAsync();

    /// <summary>The command tree (also used by tests).</summary>
    public static RootCommand Build()
    {
        var gateway = new Option<string[]>("--gateway") { Description = "A gateway URL (repeatable); default $PERSONALIZE_GATEWAY or http://127.0.0.1:5080.", Recursive = true };
        var apiKey = new Option<string?>("--api-key") { Description = "X-Api-Key to send; default $PERSONALIZE_API_KEY.", Recursive = true };
        var json = new Option<bool>("--json") { Description = "Print the response as JSON.", Recursive = true };

        var user = new Argument<string>("user") { Description = "The user id." };
        var rowsCount = new Option<int>("--rows") { Description = "Most rows.", DefaultValueFactory = _ => 6 };
        var perRow = new Option<int>("--per-row") { Description = "Most items per row.", DefaultValueFactory = _ => 10 };
        var device = new Option<string?>("--device") { Description = "tv, mobile, web or tablet." };
        var hour = new Option<int?>("--hour") { Description = "The user's local hour (0–23)." };
        var rows = new Command("rows", "The user's home page rows.") { user, rowsCount, perRow, device, hour };
        rows.SetAction((r, ct) => Run(r, gateway, apiKey, async client =>
        {
            var page = await client.GetRowsAsync(r.GetValue(user)!, r.GetValue(rowsCount), r.GetValue(perRow), r.GetValue(device), r.GetValue(hour), ct);
            if (r.GetValue(json)) return JsonSerializer.Serialize(page, Json);
            var lines = new List<string> { $"{page.UserId} · model v{page.ModelVersion}{Experiments(page.Experiments)}" };
            foreach (var row in page.Rows)
            {
                lines.Add("");
                lines.Add($"{row.Title}  [{row.Id}]");
                lines.AddRange(row.Items.Select((item, i) => $"  {i + 1,2}. {item.Title} ({item.ItemId}){Art(item)} · {item.Reason}"));
            }
            return string.Join(Environment.NewLine, lines);
        }));

        var k = new Option<int>("--k") { Description = "List length.", DefaultValueFactory = _ => 10 };
        var recommendUser = new Argument<string>("user") { Description = "The user id." };
        var recommend = new Command("recommend", "The user's top items.") { recommendUser, k };
        recommend.SetAction((r, ct) => Run(r, gateway, apiKey, async client =>
        {
            var list = await client.GetRecommendationsAsync(r.GetValue(recommendUser)!, r.GetValue(k), ct);
            if (r.GetValue(json)) return JsonSerializer.Serialize(list, Json);
            return string.Join(Environment.NewLine, new[] { $"{list.UserId} · model v{list.ModelVersion}{Experiments(list.Experiments)}" }
                .Concat(list.Items.Select((item, i) => string.Create(CultureInfo.InvariantCulture,
                    $"  {i + 1,2}. {item.Title} ({item.ItemId}){Art(item)} · {item.Score:F3} · {item.Reason}"))));
        }));

        var trackUser = new Option<string>("--user") { Description = "The user id.", Required = true };
        var item = new Option<string>("--item") { Description = "The item id.", Required = true };
        var type = new Option<string>("--type") { Description = $"Event type: {string.Join(", ", InteractionTypes.Names)}.", Required = true };
        var value = new Option<float?>("--value") { Description = "Seconds watched, rating, +1/−1 for thumbs." };
        var context = new Option<string[]>("--context") { Description = "key=value context entries (repeatable), e.g. device=tv, artworkId=dark." };
        var eventId = new Option<string?>("--event-id") { Description = "The event's idempotency key (default: a new UUID); the same key sent twice is applied once." };
        var track = new Command("track", "Record one event.") { trackUser, item, type, value, context, eventId };
        track.SetAction((r, ct) => Run(r, gateway, apiKey, async client =>
        {
            var typeName = r.GetValue(type)!;
            if (!InteractionTypes.TryParse(typeName, out var parsed))
                throw new ArgumentException($"--type must be one of {string.Join(", ", InteractionTypes.Names)}, not '{typeName}'.");
            var entries = new Dictionary<string, string>();
            foreach (var entry in r.GetValue(context) ?? [])
            {
                var parts = entry.Split('=', 2);
                if (parts.Length != 2 || parts[0].Length == 0) throw new ArgumentException($"--context needs key=value, not '{entry}'.");
                entries[parts[0]] = parts[1];
            }
            var accepted = await client.TrackAsync([new InteractionEvent
            {
                UserId = r.GetValue(trackUser)!, ItemId = r.GetValue(item)!, Type = parsed, Value = r.GetValue(value),
                Context = entries.Count > 0 ? entries : null, EventId = r.GetValue(eventId),
            }], ct);
            return r.GetValue(json) ? JsonSerializer.Serialize(new EventsAccepted(accepted), Json) : $"accepted {accepted}";
        }));

        var cluster = new Command("cluster", "Silos, their partitions, activations, lag and model versions.");
        cluster.SetAction((r, ct) => Run(r, gateway, apiKey, async client =>
        {
            var view = await client.GetClusterAsync(ct);
            if (r.GetValue(json)) return JsonSerializer.Serialize(view, Json);
            var lines = new List<string> { "silo                 status  model  activations   lag  partitions (interactions)  gateway" };
            lines.AddRange(view.Silos.Select(s => string.Create(CultureInfo.InvariantCulture,
                $"{s.Id,-20} {s.Status,-7} v{s.ModelVersion,-5} {s.Activations,11} {s.Lag,5}  {string.Join(",", s.Partitions.GetValueOrDefault("interactions") ?? []),-25}  {s.Endpoint}")));
            var unowned = view.UnownedPartitions.Where(p => p.Value.Length > 0).Select(p => $"{p.Key}[{string.Join(",", p.Value)}]").ToList();
            lines.Add(unowned.Count == 0 ? "every partition is owned" : "unowned: " + string.Join(" ", unowned));
            return string.Join(Environment.NewLine, lines);
        }));

        return new RootCommand("personalize: the personalization cluster from a terminal.") { gateway, apiKey, json, rows, recommend, track, cluster };
    }

    private static string Experiments(IReadOnlyList<ExperimentExposure>? experiments) =>
        experiments is { Count: > 0 } ? " · " + string.Join(", ", experiments.Select(e => $"{e.Experiment}={e.Variant}")) : "";

    private static string Art(RecommendedItem item) => item.ArtworkId is { } art ? $" [art {art}]" : "";

    private static async Task<int> Run(ParseResult result, Option<string[]> gatewayOption, Option<string?> apiKeyOption, Func<PersonalizationClient, Task<string>> action)
    {
        try
        {
            var options = new PersonalizationClientOptions
            {
                ApiKey = result.GetValue(apiKeyOption) ?? Environment.GetEnvironmentVariable("PERSONALIZE_API_KEY"),
                Deadline = TimeSpan.FromSeconds(20),
            };
            var gateways = result.GetValue(gatewayOption) is { Length: > 0 } given ? given
                : (Environment.GetEnvironmentVariable("PERSONALIZE_GATEWAY") ?? "http://127.0.0.1:5080").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var g in gateways)
            {
                if (!Uri.TryCreate(g, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
                    throw new ArgumentException($"--gateway needs an http(s) URL, not '{g}'.");
                options.Seeds.Add(uri);
            }
            var client = PersonalizationClient.Create(options);
            Console.WriteLine(await action(client));
            return 0;
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return 2;
        }
        catch (PersonalizationApiException ex)
        {
            var details = ex.Errors.Count > 0 ? ": " + string.Join("; ", ex.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")) : "";
            await Console.Error.WriteLineAsync($"error: the cluster answered {(int)ex.Status} {ex.Title}{details}");
            return 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return 1;
        }
    }
}
