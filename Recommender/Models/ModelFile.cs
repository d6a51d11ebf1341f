using System.Buffers.Binary;
using System.Text;

namespace Personalization.Recommender.Models;

/// <summary>
/// Binary files of trained <see cref="IRecommenderModel"/>s, so a model trained once can be evaluated or served
/// elsewhere. Each model kind has its own four-byte magic and format version; <see cref="Read"/> dispatches on the magic.
/// </summary>
/// <remarks>
/// <para>
/// Every file is little-endian: the ASCII magic, an int32 format version, then the model's fields. Arrays are
/// written as raw bytes (byte-swapped only on big-endian hosts), so loading a large model is a copy. Layouts, all at
/// format version 1:
/// </para>
/// <list type="bullet">
/// <item><c>PZPO</c> popularity: int32 items, float32[items] counts.</item>
/// <item><c>PZEA</c> EASE: float64 λ, int32 min item users, int32 items, int32 kept, int32[kept] kept item indices,
/// float32[kept²] weights, row-major.</item>
/// <item><c>PZMF</c> biased MF: int32 users, int32 items, int32 factors, float32 μ, float32 λ_b, float32 λ_f,
/// int32 parameter count and (7-bit length-prefixed UTF-8 name, float64 value) pairs, float32[users] user biases,
/// float32[items] item biases, float32[users·factors] user factors, float32[items·factors] item factors.</item>
/// <item><c>PZAL</c> implicit ALS: int32 items, int32 factors, float32 α, float32 λ, int32 parameter count and pairs,
/// float32[items·factors] item factors, float64[factors²] Gram matrix.</item>
/// <item><c>PZVA</c> Mult-VAE: int32 items, int32 hidden, int32 latent, int32 parameter count and pairs, float32
/// arrays W₁ (items·hidden), b₁, W_μ (latent·hidden), b_μ, E (items·latent), c (items).</item>
/// <item><c>PZSR</c> SASRec: int32 items, int32 d, int32 L, int32 blocks, int32 parameter count and pairs, float32 arrays
/// E ((items + 1)·d), P (L·d), per block LN_a scale and shift, W_q, b_q, W_k, b_k, W_v, b_v, W_o, b_o, LN_f scale and
/// shift, W₁, b₁, W₂, b₂ (d·d weights), then LN_last's scale and shift.</item>
/// </list>
/// </remarks>
public static class ModelFile
{
    /// <summary>Format version of every model kind written by this build.</summary>
    public const int FormatVersion = 1;

    private const uint PopularityMagic = 'P' | 'Z' << 8 | 'P' << 16 | 'O' << 24;
    private const uint EaseMagic = 'P' | 'Z' << 8 | 'E' << 16 | 'A' << 24;
    private const uint BiasedMfMagic = 'P' | 'Z' << 8 | 'M' << 16 | 'F' << 24;
    private const uint AlsMagic = 'P' | 'Z' << 8 | 'A' << 16 | 'L' << 24;
    private const uint MultVaeMagic = 'P' | 'Z' << 8 | 'V' << 16 | 'A' << 24;
    private const uint SasRecMagic = 'P' | 'Z' << 8 | 'S' << 16 | 'R' << 24;

    // What a truncated or corrupt stream is called in errors.
    private const string Format = "model file";

    // Upper bound on Mult-VAE layer widths accepted when reading.
    private const int MaxWidth = 1 << 16;

    // Upper bound on the factor count accepted when reading, to reject garbage before allocating.
    private const int MaxFactors = 4096;

    /// <summary>Writes a model to a stream, leaving the stream open.</summary>
    /// <param name="model">A popularity, EASE, biased MF or ALS model.</param>
    /// <param name="stream">A writable stream.</param>
    /// <exception cref="NotSupportedException">The model kind has no file format.</exception>
    public static void Write(IRecommenderModel model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        switch (model)
        {
            case PopularityModel popularity:
                WriteHeader(writer, PopularityMagic);
                writer.Write(popularity.Items);
                LittleEndianArrays.Write(writer, popularity.Counts);
                break;
            case EaseModel ease:
                WriteHeader(writer, EaseMagic);
                writer.Write(ease.Regularization);
                writer.Write(ease.MinItemUsers);
                writer.Write(ease.Items);
                writer.Write(ease.KeptItems.Length);
                LittleEndianArrays.Write(writer, ease.KeptItems);
                LittleEndianArrays.Write(writer, ease.Weights);
                break;
            case BiasedMfModel mf:
                WriteHeader(writer, BiasedMfMagic);
                writer.Write(mf.Users);
                writer.Write(mf.Items);
                writer.Write(mf.Factors);
                writer.Write(mf.GlobalMean);
                writer.Write(mf.BiasRegularization);
                writer.Write(mf.FactorRegularization);
                WriteParameters(writer, mf.Parameters);
                LittleEndianArrays.Write(writer, mf.UserBiases);
                LittleEndianArrays.Write(writer, mf.ItemBiases);
                LittleEndianArrays.Write(writer, mf.UserFactors);
                LittleEndianArrays.Write(writer, mf.ItemFactors);
                break;
            case AlsModel als:
                WriteHeader(writer, AlsMagic);
                writer.Write(als.Items);
                writer.Write(als.Factors);
                writer.Write(als.Alpha);
                writer.Write(als.Regularization);
                WriteParameters(writer, als.Parameters);
                LittleEndianArrays.Write(writer, als.ItemFactors);
                LittleEndianArrays.Write(writer, als.Gram);
                break;
            case MultVaeModel vae:
                WriteHeader(writer, MultVaeMagic);
                writer.Write(vae.Items);
                writer.Write(vae.Hidden);
                writer.Write(vae.Latent);
                WriteParameters(writer, vae.Parameters);
                LittleEndianArrays.Write(writer, vae.EncoderWeights);
                LittleEndianArrays.Write(writer, vae.EncoderBias);
                LittleEndianArrays.Write(writer, vae.MeanWeights);
                LittleEndianArrays.Write(writer, vae.MeanBias);
                LittleEndianArrays.Write(writer, vae.ItemEmbeddings);
                LittleEndianArrays.Write(writer, vae.ItemBias);
                break;
            case SasRecModel sasrec:
                WriteHeader(writer, SasRecMagic);
                writer.Write(sasrec.Items);
                writer.Write(sasrec.Dimensions);
                writer.Write(sasrec.MaxLength);
                writer.Write(sasrec.Blocks.Count);
                WriteParameters(writer, sasrec.Parameters);
                LittleEndianArrays.Write(writer, sasrec.ItemEmbeddings);
                LittleEndianArrays.Write(writer, sasrec.Positions);
                foreach (var block in sasrec.Blocks)
                    foreach (var array in BlockArrays(block))
                        LittleEndianArrays.Write(writer, array);
                LittleEndianArrays.Write(writer, sasrec.FinalNorm.Scale);
                LittleEndianArrays.Write(writer, sasrec.FinalNorm.Shift);
                break;
            default:
                throw new NotSupportedException($"No file format for models of type {model.GetType().Name} ({model.Name}).");
        }
        writer.Flush();
    }

    /// <summary>Reads a model written by <see cref="Write"/>, leaving the stream open.</summary>
    /// <param name="stream">A readable stream positioned at the start of a model.</param>
    /// <returns>The model, of the kind named by the file's magic.</returns>
    /// <exception cref="InvalidDataException">Unknown magic, unsupported format version, truncated or inconsistent data.</exception>
    public static IRecommenderModel Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            Span<byte> magicBytes = stackalloc byte[4];
            if (stream.ReadAtLeast(magicBytes, magicBytes.Length, throwOnEndOfStream: false) < magicBytes.Length)
                throw new InvalidDataException("Not a model file: the stream is shorter than a magic.");
            uint magic = BinaryPrimitives.ReadUInt32LittleEndian(magicBytes);
            string kind = magic switch
            {
                PopularityMagic => "popularity",
                EaseMagic => "EASE",
                BiasedMfMagic => "biased MF",
                AlsMagic => "ALS",
                MultVaeMagic => "Mult-VAE",
                SasRecMagic => "SASRec",
                _ => throw new InvalidDataException(
                    $"Not a model file: unknown magic \"{Encoding.ASCII.GetString(magicBytes).Replace('\0', '?')}\"."),
            };
            int version = reader.ReadInt32();
            if (version != FormatVersion)
                throw new InvalidDataException($"Unsupported {kind} model format version {version}; this build reads version {FormatVersion}.");

            return magic switch
            {
                PopularityMagic => ReadPopularity(reader, stream),
                EaseMagic => ReadEase(reader, stream),
                AlsMagic => ReadAls(reader, stream),
                MultVaeMagic => ReadMultVae(reader, stream),
                SasRecMagic => ReadSasRec(reader, stream),
                _ => ReadBiasedMf(reader, stream),
            };
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("Truncated model file: the stream ended before the model was complete.", e);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"Corrupt model file: {e.Message}", e);
        }
    }

    private static PopularityModel ReadPopularity(BinaryReader reader, Stream stream)
    {
        int items = ReadCount(reader, "item count");
        return new PopularityModel(LittleEndianArrays.Read<float>(stream, items, Format));
    }

    private static EaseModel ReadEase(BinaryReader reader, Stream stream)
    {
        double regularization = reader.ReadDouble();
        int minItemUsers = reader.ReadInt32();
        int items = ReadCount(reader, "item count");
        int kept = ReadCount(reader, "kept item count");
        if (kept > items || (long)kept * kept > Array.MaxLength)
            throw new InvalidDataException($"Corrupt EASE model: {kept} kept items for {items} items.");
        EnsureRemaining(stream, ((long)kept + (long)kept * kept) * sizeof(float));
        int[] keptItems = LittleEndianArrays.Read<int>(stream, kept, Format);
        float[] weights = LittleEndianArrays.Read<float>(stream, kept * kept, Format);
        return new EaseModel(items, keptItems, weights, regularization, minItemUsers);
    }

    private static AlsModel ReadAls(BinaryReader reader, Stream stream)
    {
        int items = ReadCount(reader, "item count");
        int factors = reader.ReadInt32();
        if (factors < 1 || factors > MaxFactors)
            throw new InvalidDataException($"Corrupt ALS model: factor count {factors} is outside [1, {MaxFactors}].");
        if ((long)items * factors > Array.MaxLength)
            throw new InvalidDataException($"Corrupt ALS model: {items} items of {factors} factors are too many.");
        float alpha = reader.ReadSingle();
        float regularization = reader.ReadSingle();
        Dictionary<string, double> parameters = ReadParameters(reader, stream);
        EnsureRemaining(stream, (long)items * factors * sizeof(float) + (long)factors * factors * sizeof(double));
        float[] itemFactors = LittleEndianArrays.Read<float>(stream, items * factors, Format);
        double[] gram = LittleEndianArrays.Read<double>(stream, factors * factors, Format);
        return new AlsModel(factors, alpha, regularization, itemFactors, gram, parameters);
    }

    private static MultVaeModel ReadMultVae(BinaryReader reader, Stream stream)
    {
        int items = ReadCount(reader, "item count");
        int hidden = reader.ReadInt32();
        int latent = reader.ReadInt32();
        if (hidden < 1 || hidden > MaxWidth || latent < 1 || latent > MaxWidth)
            throw new InvalidDataException($"Corrupt Mult-VAE model: widths {hidden} and {latent} are outside [1, {MaxWidth}].");
        if ((long)items * hidden > Array.MaxLength || (long)items * latent > Array.MaxLength)
            throw new InvalidDataException($"Corrupt Mult-VAE model: {items} items of widths {hidden} and {latent} are too many.");
        Dictionary<string, double> parameters = ReadParameters(reader, stream);
        EnsureRemaining(stream, ((long)items * hidden + hidden + (long)latent * hidden + latent + (long)items * latent + items) * sizeof(float));
        float[] encoderWeights = LittleEndianArrays.Read<float>(stream, items * hidden, Format);
        float[] encoderBias = LittleEndianArrays.Read<float>(stream, hidden, Format);
        float[] meanWeights = LittleEndianArrays.Read<float>(stream, latent * hidden, Format);
        float[] meanBias = LittleEndianArrays.Read<float>(stream, latent, Format);
        float[] itemEmbeddings = LittleEndianArrays.Read<float>(stream, items * latent, Format);
        float[] itemBias = LittleEndianArrays.Read<float>(stream, items, Format);
        return new MultVaeModel(items, hidden, latent, encoderWeights, encoderBias, meanWeights, meanBias, itemEmbeddings, itemBias, parameters);
    }

    // A block's arrays in file order: the two norms' scale and shift, and each linear layer's weight and bias.
    private static float[][] BlockArrays(SasRecBlock b) =>
    [
        b.AttentionNorm.Scale, b.AttentionNorm.Shift, b.Query.Weight, b.Query.Bias, b.Key.Weight, b.Key.Bias, b.Value.Weight, b.Value.Bias,
        b.Output.Weight, b.Output.Bias, b.ForwardNorm.Scale, b.ForwardNorm.Shift, b.Inner.Weight, b.Inner.Bias, b.Outer.Weight, b.Outer.Bias,
    ];

    private static SasRecModel ReadSasRec(BinaryReader reader, Stream stream)
    {
        int items = ReadCount(reader, "item count");
        int d = reader.ReadInt32();
        int length = reader.ReadInt32();
        int blocks = reader.ReadInt32();
        if (d < 1 || d > MaxFactors || length < 1 || length > MaxWidth || blocks < 1 || blocks > 64)
            throw new InvalidDataException($"Corrupt SASRec model: size {d}, length {length} or {blocks} blocks out of range.");
        if ((long)(items + 1) * d > Array.MaxLength)
            throw new InvalidDataException($"Corrupt SASRec model: {items} items of {d} dimensions are too many.");
        Dictionary<string, double> parameters = ReadParameters(reader, stream);
        EnsureRemaining(stream, ((long)(items + 1) * d + (long)length * d + blocks * (6L * d * d + 10L * d) + 2L * d) * sizeof(float));
        float[] embeddings = LittleEndianArrays.Read<float>(stream, (items + 1) * d, Format);
        float[] positions = LittleEndianArrays.Read<float>(stream, length * d, Format);
        var list = new List<SasRecBlock>(blocks);
        for (int b = 0; b < blocks; b++)
        {
            (float[], float[]) Norm() => (LittleEndianArrays.Read<float>(stream, d, Format), LittleEndianArrays.Read<float>(stream, d, Format));
            (float[], float[]) Linear() => (LittleEndianArrays.Read<float>(stream, d * d, Format), LittleEndianArrays.Read<float>(stream, d, Format));
            list.Add(new SasRecBlock(Norm(), Linear(), Linear(), Linear(), Linear(), Norm(), Linear(), Linear()));
        }
        var final = (LittleEndianArrays.Read<float>(stream, d, Format), LittleEndianArrays.Read<float>(stream, d, Format));
        return new SasRecModel(items, d, length, embeddings, positions, list, final, parameters);
    }

    private static BiasedMfModel ReadBiasedMf(BinaryReader reader, Stream stream)
    {
        int users = ReadCount(reader, "user count");
        int items = ReadCount(reader, "item count");
        int factors = reader.ReadInt32();
        if (factors < 1 || factors > MaxFactors)
            throw new InvalidDataException($"Corrupt biased MF model: factor count {factors} is outside [1, {MaxFactors}].");
        if ((long)users * factors > Array.MaxLength || (long)items * factors > Array.MaxLength)
            throw new InvalidDataException($"Corrupt biased MF model: {users} users and {items} items of {factors} factors are too many.");
        float mean = reader.ReadSingle();
        float biasRegularization = reader.ReadSingle();
        float factorRegularization = reader.ReadSingle();
        Dictionary<string, double> parameters = ReadParameters(reader, stream);
        EnsureRemaining(stream, ((long)users + items) * (factors + 1) * sizeof(float));
        float[] userBiases = LittleEndianArrays.Read<float>(stream, users, Format);
        float[] itemBiases = LittleEndianArrays.Read<float>(stream, items, Format);
        float[] userFactors = LittleEndianArrays.Read<float>(stream, users * factors, Format);
        float[] itemFactors = LittleEndianArrays.Read<float>(stream, items * factors, Format);
        return new BiasedMfModel(mean, userBiases, itemBiases, userFactors, itemFactors, factors,
            biasRegularization, factorRegularization, parameters);
    }

    private static void WriteHeader(BinaryWriter writer, uint magic)
    {
        writer.Write(magic); // BinaryWriter is little-endian on every host, so the ASCII bytes come out in order
        writer.Write(FormatVersion);
    }

    private static void WriteParameters(BinaryWriter writer, IReadOnlyDictionary<string, double> parameters)
    {
        writer.Write(parameters.Count);
        foreach (var (name, value) in parameters.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            writer.Write(name);
            writer.Write(value);
        }
    }

    private static Dictionary<string, double> ReadParameters(BinaryReader reader, Stream stream)
    {
        int count = ReadCount(reader, "parameter count");
        EnsureRemaining(stream, (long)count * (1 + sizeof(double)));
        var parameters = new Dictionary<string, double>(count, StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            string name = reader.ReadString();
            parameters[name] = reader.ReadDouble();
        }
        return parameters;
    }

    private static int ReadCount(BinaryReader reader, string what)
    {
        int count = reader.ReadInt32();
        if (count < 0)
            throw new InvalidDataException($"Corrupt model file: {what} {count} is negative.");
        return count;
    }

    private static void EnsureRemaining(Stream stream, long bytes) => LittleEndianArrays.EnsureRemaining(stream, bytes, Format);
}
