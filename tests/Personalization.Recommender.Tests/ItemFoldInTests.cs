namespace Personalization.Recommender.Tests;

public class ItemFoldInTests
{
    private const int K = 8;
    private static readonly float[] Users = TestData.GaussianFactors(200, K, seed: 3);
    private static readonly double[] UserGram = GramMatrix.Compute(Users, 200, K);

    [Fact]
    public void Without_a_prior_it_is_the_implicit_ALS_item_step()
    {
        int[] interacting = [3, 17, 40, 41, 99, 150];
        float[] weights = [1f, 2.5f, -1f, 0.5f, 4f, 1f];
        var vectors = interacting.SelectMany(u => Users.AsSpan(u * K, K).ToArray()).ToArray();

        var live = new float[K];
        ItemFoldIn.Solve(UserGram, K, new float[K], 1.0, vectors, weights, alpha: 10f, regularization: 0.5f, live);
        // The user-side solve with the roles swapped: the users are the "items" of the opposite side.
        var exact = new float[K];
        FoldIn.Solve(Users, K, UserGram, interacting, weights, 10f, 0.5f, exact);

        for (int d = 0; d < K; d++) Assert.Equal(exact[d], live[d], 1e-5f);
    }

    [Fact]
    public void With_no_interactions_the_item_keeps_its_prior()
    {
        var prior = TestData.GaussianFactors(1, K, seed: 4);
        foreach (var strength in new[] { 1.0, 3.5 })
        {
            var result = new float[K];
            ItemFoldIn.Solve(UserGram, K, prior, strength, [], [], 10f, 0.5f, result);
            for (int d = 0; d < K; d++) Assert.Equal(prior[d], result[d], 1e-5f);
        }
    }

    [Fact]
    public void Viewers_pull_the_item_toward_them_and_a_stronger_prior_holds_it_back()
    {
        // Ten users who share a direction watch a new item whose content prior points elsewhere.
        var taste = TestData.GaussianFactors(1, K, seed: 5);
        var viewers = Enumerable.Range(0, 10).SelectMany(u => taste.Zip(TestData.GaussianFactors(1, K, seed: 100 + u), (t, n) => t + 0.1f * n)).ToArray();
        var weights = Enumerable.Repeat(1f, 10).ToArray();
        var prior = TestData.GaussianFactors(1, K, seed: 6);

        float Score(float[] y) => viewers.Chunk(K).Average(x => x.Zip(y, (a, b) => a * b).Sum());
        var content = new float[K];
        var trained = new float[K];
        ItemFoldIn.Solve(UserGram, K, prior, 1.0, viewers, weights, 10f, 0.5f, content);
        ItemFoldIn.Solve(UserGram, K, prior, ItemFoldIn.TrainedPriorStrength(10f, trainedInteractions: 500, trainedUsers: 200), viewers, weights, 10f, 0.5f, trained);

        Assert.True(Score(content) > Score(prior) + 0.5f, $"viewers' mean score {Score(prior)} -> {Score(content)}");
        Assert.True(Score(trained) < Score(content), "a prior trained on 500 interactions moves less for ten more");
        Assert.True(Score(trained) > Score(prior));
        Assert.Equal(1.0 + 10.0 * 500 / 200, ItemFoldIn.TrainedPriorStrength(10f, 500, 200));
        Assert.Equal(1.0, ItemFoldIn.TrainedPriorStrength(10f, 500, 0));
    }

    [Fact]
    public void Bad_arguments_are_named()
    {
        var result = new float[K];
        Assert.Throws<ArgumentException>(() => ItemFoldIn.Solve(UserGram, K, new float[K], 1, new float[K + 1], [1f], 1f, 1f, result));
        Assert.Throws<ArgumentOutOfRangeException>(() => ItemFoldIn.Solve(UserGram, K, new float[K], 1, [], [], 1f, 0f, result));
        Assert.Throws<ArgumentOutOfRangeException>(() => ItemFoldIn.Solve(UserGram, K, new float[K], double.NaN, [], [], 1f, 1f, result));
    }
}
