using System.Text;

namespace Personalization.Recommender;

/// <summary>
/// Compact little-endian binary format for <see cref="FactorModel"/>.
/// </summary>
/// <remarks>
/// Layout (format version 2): "PZFM", int32 format version, int64 model version, trained-at and data-cutoff as
/// (int64 UTC ticks, int32 offset minutes), int32 factors, float32 alpha, float32 regularization, int32 item count,
/// item ids (7-bit length-prefixed UTF-8), float32 item factors, float64 Gram (k·k), float32 popularity,
/// int32 metric count and (name, float64) pairs; then the content mapping: a byte 1 if present (0 if not) and, when
/// present, float64 λ, int32 feature count, feature names (length-prefixed UTF-8) and float32 weights
/// (features·k); then (version 3) a byte 1 if the user Gram is kept (0 if not) and, when kept, int32 users and float64
/// XᵀX (k·k); then (version 4) a byte 1 if a neural user encoder serves the model (0 if not) and, when present, int32
/// hidden H, int32 latent D, float32 W₁ (items·H), b₁ (H), W_μ (D·H) and b_μ (D); then (version 5) a byte 1 if a
/// sequence model serves it (0 if not) and, when present, the SASRec model in its model-file format (`PZSR`). Version 1 ends after the metrics,
/// version 2 after the content mapping, version 3 after the user Gram; all are still read (as models without
/// <see cref="FactorModel.Content"/>, <see cref="FactorModel.UserGram"/> or <see cref="FactorModel.Encoder"/>). Arrays are written as raw bytes
/// so loading a large model is a copy.
/// </remarks>
public static class FactorModelSerializer
{
    // What a truncated or corrupt stream is called in errors.
    private const string Format = "factor model";

    /// <summary>The current format version written by <see cref="Write"/>.</summary>
    public const int FormatVersion = 5;

    // The oldest format version Read accepts: version 1 lacks only the trailing content mapping.
    private const int OldestFormatVersion = 1;

    private static ReadOnlySpan<byte> Magic => "PZFM"u8;

    // Upper bound on k accepted when reading, to reject garbage before allocating k² doubles.
    private const int MaxFactors = 4096;

    /// <summary>Writes a model to a stream, leaving the stream open.</summary>
    /// <param name="model">The model.</param>
    /// <param name="stream">A writable stream.</param>
    public static void Write(FactorModel model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(model.Version);
        WriteTimestamp(writer, model.TrainedAt);
        WriteTimestamp(writer, model.DataCutoff);
        writer.Write(model.Factors);
        writer.Write(model.Alpha);
        writer.Write(model.Regularization);
        writer.Write(model.Items);
        foreach (string id in model.ItemIds)
            writer.Write(id);
        LittleEndianArrays.Write<float>(writer, model.ItemFactors);
        LittleEndianArrays.Write<double>(writer, model.Gram);
        LittleEndianArrays.Write<float>(writer, model.ItemPopularity);
        writer.Write(model.Metrics.Count);
        foreach (var (name, value) in model.Metrics.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            writer.Write(name);
            writer.Write(value);
        }
        WriteContent(writer, model.Content);
        writer.Write(model.UserGram is null ? (byte)0 : (byte)1);
        if (model.UserGram is not null)
        {
            writer.Write(model.Users);
            LittleEndianArrays.Write<double>(writer, model.UserGram);
        }
        writer.Write(model.Encoder is null ? (byte)0 : (byte)1);
        if (model.Encoder is { } encoder)
        {
            writer.Write(encoder.Hidden);
            writer.Write(encoder.Latent);
            LittleEndianArrays.Write<float>(writer, encoder.InputWeights);
            LittleEndianArrays.Write<float>(writer, encoder.InputBias);
            LittleEndianArrays.Write<float>(writer, encoder.MeanWeights);
            LittleEndianArrays.Write<float>(writer, encoder.MeanBias);
        }
        writer.Write(model.Sequence is null ? (byte)0 : (byte)1);
        writer.Flush();
        if (model.Sequence is { } sequence) Models.ModelFile.Write(sequence, stream);
    }

    /// <summary>Reads a model written by <see cref="Write"/>, leaving the stream open.</summary>
    /// <param name="stream">A readable stream positioned at the start of a model.</param>
    /// <returns>The model.</returns>
    /// <exception cref="InvalidDataException">Wrong magic, unsupported format version, truncated or inconsistent data.</exception>
    public static FactorModel Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            Span<byte> magic = stackalloc byte[4];
            int got = stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
            if (got < magic.Length || !magic.SequenceEqual(Magic))
                throw new InvalidDataException("Not a factor model: the stream does not start with the \"PZFM\" magic.");
            int formatVersion = reader.ReadInt32();
            if (formatVersion < OldestFormatVersion || formatVersion > FormatVersion)
                throw new InvalidDataException(
                    $"Unsupported factor model format version {formatVersion}; this build reads versions {OldestFormatVersion} to {FormatVersion}.");

            long version = reader.ReadInt64();
            DateTimeOffset trainedAt = ReadTimestamp(reader);
            DateTimeOffset dataCutoff = ReadTimestamp(reader);
            int factors = reader.ReadInt32();
            if (factors < 1 || factors > MaxFactors)
                throw new InvalidDataException($"Corrupt factor model: factor count {factors} is outside [1, {MaxFactors}].");
            float alpha = reader.ReadSingle();
            float regularization = reader.ReadSingle();
            int items = reader.ReadInt32();
            if (items < 0 || (long)items * factors > Array.MaxLength)
                throw new InvalidDataException($"Corrupt factor model: item count {items} is invalid for {factors} factors.");
            // Each id takes at least its one-byte length prefix, and the arrays follow: reject impossible sizes early.
            EnsureRemaining(stream, items + (long)items * factors * sizeof(float) + (long)factors * factors * sizeof(double) + (long)items * sizeof(float));

            var itemIds = new string[items];
            for (int i = 0; i < items; i++)
                itemIds[i] = reader.ReadString();
            float[] itemFactors = LittleEndianArrays.Read<float>(stream, items * factors, Format);
            double[] gram = LittleEndianArrays.Read<double>(stream, factors * factors, Format);
            float[] popularity = LittleEndianArrays.Read<float>(stream, items, Format);

            int metricCount = reader.ReadInt32();
            if (metricCount < 0)
                throw new InvalidDataException($"Corrupt factor model: metric count {metricCount} is negative.");
            EnsureRemaining(stream, (long)metricCount * (1 + sizeof(double)));
            var metrics = new Dictionary<string, double>(metricCount, StringComparer.Ordinal);
            for (int i = 0; i < metricCount; i++)
            {
                string name = reader.ReadString();
                metrics[name] = reader.ReadDouble();
            }
            ContentMapping? content = formatVersion >= 2 ? ReadContent(reader, stream, factors) : null;
            double[]? userGram = null;
            int users = 0;
            if (formatVersion >= 3 && reader.ReadByte() is var kept && kept != 0)
            {
                if (kept != 1) throw new InvalidDataException($"Corrupt factor model: user Gram flag {kept} is neither 0 nor 1.");
                users = reader.ReadInt32();
                if (users < 0) throw new InvalidDataException($"Corrupt factor model: user count {users} is negative.");
                EnsureRemaining(stream, (long)factors * factors * sizeof(double));
                userGram = LittleEndianArrays.Read<double>(stream, factors * factors, Format);
            }

            UserEncoder? encoder = null;
            if (formatVersion >= 4 && reader.ReadByte() is var neural && neural != 0)
            {
                if (neural != 1) throw new InvalidDataException($"Corrupt factor model: encoder flag {neural} is neither 0 nor 1.");
                int hidden = reader.ReadInt32();
                int latent = reader.ReadInt32();
                if (hidden < 1 || hidden > MaxFactors * 16 || latent < 1 || latent >= factors)
                    throw new InvalidDataException($"Corrupt factor model: encoder widths {hidden} and {latent} do not fit {factors} factors.");
                if ((long)items * hidden > Array.MaxLength)
                    throw new InvalidDataException($"Corrupt factor model: {items} items of {hidden} hidden units are too many.");
                EnsureRemaining(stream, ((long)items * hidden + hidden + (long)latent * hidden + latent) * sizeof(float));
                encoder = new UserEncoder(items, hidden, latent, factors, LittleEndianArrays.Read<float>(stream, items * hidden, Format), LittleEndianArrays.Read<float>(stream, hidden, Format),
                    LittleEndianArrays.Read<float>(stream, latent * hidden, Format), LittleEndianArrays.Read<float>(stream, latent, Format));
            }

            Models.SasRecModel? sequence = null;
            if (formatVersion >= 5 && reader.ReadByte() is var sequential && sequential != 0)
            {
                if (sequential != 1) throw new InvalidDataException($"Corrupt factor model: sequence flag {sequential} is neither 0 nor 1.");
                sequence = Models.ModelFile.Read(stream) as Models.SasRecModel
                    ?? throw new InvalidDataException("Corrupt factor model: the sequence model is not a SASRec model.");
            }

            return new FactorModel(version, trainedAt, dataCutoff, factors, alpha, regularization,
                itemIds, itemFactors, gram, popularity, metrics, content, userGram, users, encoder, sequence);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("Truncated factor model: the stream ended before the model was complete.", e);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"Corrupt factor model: {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"Corrupt factor model: {e.Message}", e);
        }
    }

    private static void WriteContent(BinaryWriter writer, ContentMapping? content)
    {
        if (content is null)
        {
            writer.Write((byte)0);
            return;
        }
        writer.Write((byte)1);
        writer.Write(content.Regularization);
        writer.Write(content.Features.Length);
        foreach (string feature in content.Features)
            writer.Write(feature);
        LittleEndianArrays.Write<float>(writer, content.Weights);
    }

    private static ContentMapping? ReadContent(BinaryReader reader, Stream stream, int factors)
    {
        byte present = reader.ReadByte();
        if (present == 0)
            return null;
        if (present != 1)
            throw new InvalidDataException($"Corrupt factor model: content mapping flag {present} is neither 0 nor 1.");
        double regularization = reader.ReadDouble();
        int features = reader.ReadInt32();
        if (features < 0 || features > ContentMappingOptions.MaxFeaturesLimit)
            throw new InvalidDataException(
                $"Corrupt factor model: content feature count {features} is outside [0, {ContentMappingOptions.MaxFeaturesLimit}].");
        EnsureRemaining(stream, features + (long)features * factors * sizeof(float));
        var names = new string[features];
        for (int f = 0; f < features; f++)
            names[f] = reader.ReadString();
        float[] weights = LittleEndianArrays.Read<float>(stream, features * factors, Format);
        // The constructor's ArgumentExceptions (repeated names, non-finite weights) become InvalidDataException in Read.
        return new ContentMapping(names, weights, factors, regularization);
    }

    private static void WriteTimestamp(BinaryWriter writer, DateTimeOffset value)
    {
        writer.Write(value.UtcTicks);
        writer.Write((int)value.Offset.TotalMinutes);
    }

    private static DateTimeOffset ReadTimestamp(BinaryReader reader)
    {
        long utcTicks = reader.ReadInt64();
        int offsetMinutes = reader.ReadInt32();
        try
        {
            return new DateTimeOffset(utcTicks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(offsetMinutes));
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InvalidDataException("Corrupt factor model: a timestamp is out of range.", e);
        }
    }

    private static void EnsureRemaining(Stream stream, long bytes) => LittleEndianArrays.EnsureRemaining(stream, bytes, Format);
}
