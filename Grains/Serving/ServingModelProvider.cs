using System.Numerics.Tensors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Personalization.Recommender;

namespace Personalization.Grains.Serving;

/// <summary>Default <see cref="IServingModelProvider"/>: a volatile reference swapped under a lock.</summary>
public sealed class ServingModelProvider(ItemCatalog catalog, IOptions<ServingOptions> options, TimeProvider time, ILogger<ServingModelProvider> logger)
    : IServingModelProvider
{
    // On the grains' meter (UserGrain.MeterName), which the silo exports: how long building the serving index of a
    // new model or catalog change takes (the swap itself is one reference write), tagged with the version served.
    private static readonly System.Diagnostics.Metrics.Meter Meter = new(Users.UserGrain.MeterName);
    private static readonly System.Diagnostics.Metrics.Histogram<double> LoadMs =
        Meter.CreateHistogram<double>("model.load.duration", "ms", "Time to build the serving index of a model or catalog change");

    private readonly Lock _swap = new();
    private volatile ServingModel? _current;
    // The newest model of each family; the current model is one of them. Replaced whole under the lock, read without it.
    private volatile Dictionary<string, ServingModel> _families = new(StringComparer.Ordinal);
    // The live item vectors of the current model version, kept to carry them over a catalog refresh.
    private readonly Dictionary<string, Items.LiveItemVector> _live = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ServingModel? Current => _current;

    /// <inheritdoc />
    public ItemCatalog Catalog => catalog;

    /// <inheritdoc />
    public ServingModel? Of(string family) => _families.GetValueOrDefault(family);

    /// <inheritdoc />
    public void Swap(FactorModel model)
    {
        lock (_swap)
        {
            var family = ServingModel.FamilyOf(model);
            var newest = _current is not { } current || current.Version < model.Version;
            if (!newest && _families.TryGetValue(family, out var held) && held.Version >= model.Version) return;
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var served = new ServingModel(model, catalog.Items, options.Value, time.GetUtcNow());
            _families = new Dictionary<string, ServingModel>(_families, StringComparer.Ordinal) { [family] = served };
            if (newest)
            {
                _current = served;
                _live.Clear(); // the new model replaces them
            }
            LoadMs.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("kind", "model"),
                new KeyValuePair<string, object?>("model.version", model.Version));
        }
        logger.LogInformation("Serving {Family} model v{Version}: {Items} items, {Factors} factors, trained {TrainedAt:u}",
            ServingModel.FamilyOf(model), model.Version, model.ItemIds.Length, model.Factors, model.TrainedAt);
        if (Of(ServingModel.FamilyOf(model)) is { IndexCalibration: { } calibration } calibrated && calibrated.Version == model.Version)
            logger.LogInformation(
                "Model v{Version} inverted file: {Lists} lists, {Probes} probed ({Scanned:P1} of the items), recall@{K} {Recall:F4} against the flat scan on {Queries} sample users; searches go through {Index}",
                model.Version, calibration.ListCount, calibration.Probes, calibration.ScannedFraction, calibration.K, calibration.Recall, calibration.Queries,
                calibrated.InvertedIndex is null ? "the flat scan" : "the inverted file");
    }

    /// <inheritdoc />
    public void RefreshCatalog()
    {
        lock (_swap)
        {
            if (_current is not { } current) return;
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            _current = WithLive(new ServingModel(current.Model, catalog.Items, options.Value, time.GetUtcNow(), current, ownFactors: current.OwnsFactors && _live.Count > 0));
            var families = new Dictionary<string, ServingModel>(StringComparer.Ordinal);
            foreach (var (family, served) in _families)
                families[family] = served.Version == _current.Version ? _current : new ServingModel(served.Model, catalog.Items, options.Value, time.GetUtcNow(), served);
            _families = families;
            LoadMs.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("kind", "catalog"),
                new KeyValuePair<string, object?>("model.version", current.Version));
        }
    }

    /// <inheritdoc />
    public void ApplyLive(Items.LiveItemVector live)
    {
        ArgumentNullException.ThrowIfNull(live);
        lock (_swap)
        {
            if (_current is not { } current || current.Version != live.ModelVersion || live.Vector.Length != current.Factors) return;
            if (_live.TryGetValue(live.ItemId, out var held) && live.IsOlderThan(held)) return;
            var row = current.RowOf(live.ItemId);
            if (row < 0 || !TensorPrimitives.IsFiniteAll<float>(live.Vector)) return;
            _live[live.ItemId] = live;
            // The first live vector of a version copies the factors once (the published model's array stays as it was).
            if (!current.OwnsFactors)
            {
                _current = WithLive(new ServingModel(current.Model, catalog.Items, options.Value, time.GetUtcNow(), current, ownFactors: true));
                _families = new Dictionary<string, ServingModel>(_families, StringComparer.Ordinal) { [ServingModel.FamilyOf(current.Model)] = _current };
            }
            else current.SetLive(row, live.Vector, new LiveVectorInfo(live.Interactions, live.UpdatedAtMs));
        }
    }

    // Writes every held live vector into a freshly built index.
    private ServingModel WithLive(ServingModel model)
    {
        if (!model.OwnsFactors) return model;
        foreach (var live in _live.Values)
            if (model.RowOf(live.ItemId) is var row and >= 0) model.SetLive(row, live.Vector, new LiveVectorInfo(live.Interactions, live.UpdatedAtMs));
        return model;
    }
}
