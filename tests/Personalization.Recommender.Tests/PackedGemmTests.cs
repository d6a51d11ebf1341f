namespace Personalization.Recommender.Tests;

public class PackedGemmTests
{
    private delegate void TileKernel(ref double a, nint aStride, ref double b, int depth, ref double c, nint ldc, bool subtract);

    public static TheoryData<string, bool> Paths => new()
    {
        { "512", false }, { "512", true }, { "256", false }, { "256", true }, { "scalar", false }, { "scalar", true },
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public void EveryPath_MatchesANaiveProductBitForBit(string path, bool subtract)
    {
        TileKernel kernel = path switch
        {
            "512" => PackedGemm.Tile512,
            "256" => PackedGemm.Tile256,
            _ => PackedGemm.TileScalar,
        };
        const int depth = 37, aStride = 11, ldc = 21;
        var random = new Random(8);
        double[] a = [.. Enumerable.Range(0, depth * aStride).Select(_ => random.NextDouble() - 0.5)];
        double[] b = [.. Enumerable.Range(0, depth * PackedGemm.Columns).Select(_ => random.NextDouble() - 0.5)];
        double[] c = [.. Enumerable.Range(0, PackedGemm.Rows * ldc).Select(_ => random.NextDouble())];
        double[] expected = (double[])c.Clone();
        for (int r = 0; r < PackedGemm.Rows; r++)
        {
            for (int col = 0; col < PackedGemm.Columns; col++)
            {
                double sum = 0;
                for (int k = 0; k < depth; k++)
                    sum = Math.FusedMultiplyAdd(a[k * aStride + r], b[k * PackedGemm.Columns + col], sum);
                expected[r * ldc + col] = subtract ? c[r * ldc + col] - sum : sum;
            }
        }

        kernel(ref a[0], aStride, ref b[0], depth, ref c[0], ldc, subtract);

        // Columns past the tile (16..20 of each row) are untouched.
        Assert.Equal(expected, c);
    }
}
