namespace Personalization.Recommender.Tests;

public class ImplicitSignalTests
{
    [Theory]
    [InlineData(3f, 1f, 61f)]
    [InlineData(0.5f, 1f, 11f)]
    [InlineData(0f, 0f, 1f)]
    [InlineData(-2f, 0f, 41f)] // disliked: preference 0, but confident about it
    public void MapsWeightToPreferenceAndConfidence(float weight, float preference, float confidence)
    {
        Assert.Equal(preference, ImplicitSignal.Preference(weight));
        Assert.Equal(confidence, ImplicitSignal.Confidence(weight, alpha: 20f));
    }
}
