namespace Personalization.Recommender.Tests;

public class ContentMappingTests
{
    private const int K = 8;

    // Items whose factors are an exact linear function of their features (Σ W_f / √m, the mapping's own form) plus
    // Gaussian noise of the given size, with 1 to 5 of 30 features each.
    private static (IReadOnlyList<string>[] Features, float[] Factors, string[] Names, float[] TrueWeights) Synthetic(
        int items, double noise, int seed)
    {
        const int features = 30;
        var random = new Random(seed);
        string[] names = Enumerable.Range(0, features).Select(f => f % 3 == 0 ? $"genre:G{f}" : $"tag:t{f}").ToArray();
        float[] weights = TestData.GaussianFactors(features, K, seed: seed + 1);
        var itemFeatures = new IReadOnlyList<string>[items];
        var factors = new float[items * K];
        for (int i = 0; i < items; i++)
        {
            int[] chosen = Enumerable.Range(0, features).OrderBy(_ => random.Next()).Take(random.Next(1, 6)).ToArray();
            itemFeatures[i] = chosen.Select(f => names[f]).ToArray();
            for (int d = 0; d < K; d++)
            {
                double sum = chosen.Sum(f => weights[f * K + d]) / Math.Sqrt(chosen.Length);
                factors[i * K + d] = (float)(sum + noise * TestData.Gaussian(random));
            }
        }
        return (itemFeatures, factors, names, weights);
    }

    [Fact]
    public void Fit_RecoversALinearFunctionOfTheFeatures()
    {
        var (features, factors, names, trueWeights) = Synthetic(2000, noise: 0.05, seed: 3);

        var mapping = ContentMapping.Fit(features, factors, K, new ContentMappingOptions { Regularization = 0.01 });

        Assert.Equal(30, mapping.Features.Length);
        Assert.Equal(K, mapping.Factors);
        double cosine = mapping.MeanCosine(features, factors, out int measured);
        Assert.Equal(2000, measured);
        Assert.True(cosine > 0.95, $"mean cosine {cosine}");
        // With a tiny λ the weights themselves come back.
        for (int f = 0; f < names.Length; f++)
        {
            int row = Array.IndexOf(mapping.Features, names[f]);
            for (int d = 0; d < K; d++)
                Assert.Equal(trueWeights[f * K + d], mapping.Weights[row * K + d], 0.05);
        }
    }

    [Fact]
    public void FitAndEvaluate_HeldOutItemsAreMappedCloseToTheirFactors()
    {
        var (features, factors, _, _) = Synthetic(2000, noise: 0.05, seed: 4);

        var quality = ContentMappingEvaluation.FitAndEvaluate(features, factors, K, new ContentMappingOptions(), holdoutFraction: 0.1, seed: 1);

        Assert.Equal(200, quality.HeldOut);
        Assert.Equal(200, quality.HoldoutItems);
        Assert.Equal(2000, quality.Items);
        Assert.True(quality.Cosine > 0.95, $"cosine {quality.Cosine}");
        Assert.True(quality.HoldoutCosine > 0.95, $"holdout cosine {quality.HoldoutCosine}");
        Assert.Equal(30, quality.Mapping.Features.Length);
    }

    [Fact]
    public void FitAndEvaluate_WithoutAHoldoutReportsNaN()
    {
        var (features, factors, _, _) = Synthetic(50, noise: 0.05, seed: 4);

        var quality = ContentMappingEvaluation.FitAndEvaluate(features, factors, K, new ContentMappingOptions(), holdoutFraction: 0, seed: 1);

        Assert.Equal(0, quality.HeldOut);
        Assert.True(double.IsNaN(quality.HoldoutCosine));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            ContentMappingEvaluation.FitAndEvaluate(features, factors, K, new ContentMappingOptions(), holdoutFraction: 1, seed: 1));
    }

    [Fact]
    public void TryMap_MatchesTheWeightsAndIgnoresUnknownAndRepeatedFeatures()
    {
        var (features, factors, _, _) = Synthetic(500, noise: 0.05, seed: 5);
        var mapping = ContentMapping.Fit(features, factors, K, new ContentMappingOptions());
        string a = mapping.Features[0], b = mapping.Features[1];
        var expected = new float[K];
        for (int d = 0; d < K; d++)
            expected[d] = (mapping.Weights[d] + mapping.Weights[K + d]) / MathF.Sqrt(2);

        var mapped = new float[K];
        Assert.True(mapping.TryMap([a, "tag:never-seen", b, a], mapped));

        for (int d = 0; d < K; d++)
            Assert.Equal(expected[d], mapped[d], 5);
    }

    [Fact]
    public void TryMap_UnknownFeaturesReturnFalseAndZeros()
    {
        var (features, factors, _, _) = Synthetic(500, noise: 0.05, seed: 6);
        var mapping = ContentMapping.Fit(features, factors, K, new ContentMappingOptions());
        var mapped = Enumerable.Repeat(7f, K).ToArray();

        Assert.False(mapping.TryMap(["tag:unknown", "genre:Nothing"], mapped));
        Assert.All(mapped, v => Assert.Equal(0f, v));
        Assert.False(mapping.TryMap([], mapped));
        var error = Assert.Throws<ArgumentException>(() => mapping.TryMap([mapping.Features[0]], new float[K + 1]));
        Assert.Equal("factors", error.ParamName);
    }

    [Fact]
    public void Fit_IsDeterministic()
    {
        var (features, factors, _, _) = Synthetic(800, noise: 0.3, seed: 7);

        var first = ContentMapping.Fit(features, factors, K, new ContentMappingOptions());
        var second = ContentMapping.Fit(features, factors, K, new ContentMappingOptions());
        var firstQuality = ContentMappingEvaluation.FitAndEvaluate(features, factors, K, new ContentMappingOptions(), 0.1, seed: 2);
        var secondQuality = ContentMappingEvaluation.FitAndEvaluate(features, factors, K, new ContentMappingOptions(), 0.1, seed: 2);

        Assert.Equal(first.Features, second.Features);
        Assert.Equal(first.Weights, second.Weights);
        Assert.Equal(firstQuality.HoldoutCosine, secondQuality.HoldoutCosine);
    }

    [Fact]
    public void Fit_VocabularyDropsRareFeaturesKeepsTheMostFrequentAndIgnoresItemsWithoutFeatures()
    {
        IReadOnlyList<string>[] features =
        [
            ["genre:A", "genre:B", "tag:x"],
            ["genre:A", "genre:B"],
            ["genre:A", "tag:rare", "genre:A"], // a repeat counts once
            [],
            ["genre:B", "genre:A", "tag:x"],
            ["genre:C", "tag:x"],
            ["genre:C"],
        ];
        float[] factors = TestData.GaussianFactors(features.Length, 2, seed: 1);

        var mapping = ContentMapping.Fit(features, factors, 2, new ContentMappingOptions { MinItemsPerFeature = 2, MaxFeatures = 3 });

        // Counts: A 4, B 3, x 3, C 2, rare 1 → most frequent first, ties by ordinal name, C cut by the limit.
        Assert.Equal(["genre:A", "genre:B", "tag:x"], mapping.Features);
        Assert.Equal(6, mapping.Weights.Length);
        Assert.False(mapping.TryMap(["genre:C", "tag:rare"], new float[2]));
    }

    [Fact]
    public void Fit_WithoutFrequentFeaturesGivesAnEmptyMapping()
    {
        IReadOnlyList<string>[] features = [["tag:a"], ["tag:b"], []];
        var mapping = ContentMapping.Fit(features, new float[6], 2, new ContentMappingOptions());

        Assert.Empty(mapping.Features);
        Assert.Empty(mapping.Weights);
        Assert.False(mapping.TryMap(["tag:a"], new float[2]));
        Assert.True(double.IsNaN(mapping.MeanCosine(features, new float[6], out int measured)));
        Assert.Equal(0, measured);
    }

    [Theory]
    [InlineData(0.0, "Regularization")]
    [InlineData(-1.0, "Regularization")]
    [InlineData(double.NaN, "Regularization")]
    [InlineData(double.PositiveInfinity, "Regularization")]
    public void Options_BadRegularizationNamesTheParameter(double lambda, string parameter)
    {
        var options = new ContentMappingOptions { Regularization = lambda };

        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(parameter, error.ParamName);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => ContentMapping.Fit([["tag:a"]], new float[2], 2, options));
        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    public void Options_BadLimitsNameTheParameter()
    {
        Assert.Equal("MinItemsPerFeature",
            Assert.Throws<ArgumentOutOfRangeException>(new ContentMappingOptions { MinItemsPerFeature = 0 }.Validate).ParamName);
        Assert.Equal("MaxFeatures",
            Assert.Throws<ArgumentOutOfRangeException>(new ContentMappingOptions { MaxFeatures = 0 }.Validate).ParamName);
        Assert.Equal("MaxFeatures",
            Assert.Throws<ArgumentOutOfRangeException>(
                new ContentMappingOptions { MaxFeatures = ContentMappingOptions.MaxFeaturesLimit + 1 }.Validate).ParamName);
    }

    [Fact]
    public void Fit_RejectsMismatchedFactors()
    {
        var error = Assert.Throws<ArgumentException>(() => ContentMapping.Fit([["tag:a"], ["tag:a"]], new float[3], 2, new ContentMappingOptions()));
        Assert.Equal("itemFactors", error.ParamName);
    }

    [Fact]
    public void Constructor_RejectsInconsistentInput()
    {
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => new ContentMapping(["a"], new float[3], 2, 1.0)).ParamName);
        Assert.Equal("features", Assert.Throws<ArgumentException>(() => new ContentMapping(["a", "a"], new float[4], 2, 1.0)).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => new ContentMapping(["a"], [1f, float.NaN], 2, 1.0)).ParamName);
        Assert.Equal("regularization", Assert.Throws<ArgumentOutOfRangeException>(() => new ContentMapping(["a"], new float[2], 2, 0)).ParamName);
    }

    [Fact]
    public void FeaturesOf_PrefixesGenresAndLowerCasesTags()
    {
        var features = ContentMapping.FeaturesOf([" Comedy", "Drama", "", "Comedy"], ["Pixar", "pixar ", " ", "Dark Comedy"]);

        Assert.Equal(["genre:Comedy", "genre:Drama", "tag:pixar", "tag:dark comedy"], features);
    }
}
