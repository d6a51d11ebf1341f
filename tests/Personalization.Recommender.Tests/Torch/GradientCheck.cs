using static TorchSharp.torch;

namespace Personalization.Recommender.Tests.Torch;

/// <summary>Compares libtorch's gradients with central differences of the loss, for float64 networks.</summary>
internal static class GradientCheck
{
    /// <summary>
    /// Perturbs about <paramref name="perTensor"/> entries of each parameter by ±h and checks (L(+h) − L(−h)) / 2h against
    /// the gradient already in <c>grad</c>, to 10⁻⁶ absolute plus 10⁻⁵ relative. Returns how many entries were checked.
    /// </summary>
    public static int AgainstCentralDifferences(IEnumerable<Tensor> parameters, Func<double> loss, int perTensor)
    {
        const double h = 1e-6;
        int checkedEntries = 0;
        foreach (var parameter in parameters)
        {
            var values = parameter.detach().reshape(-1);
            var gradient = parameter.grad!.reshape(-1).data<double>().ToArray();
            for (int i = 0; i < gradient.Length; i += Math.Max(1, gradient.Length / perTensor))
            {
                double original = values[i].item<double>();
                values[i] = original + h;
                double up = loss();
                values[i] = original - h;
                double down = loss();
                values[i] = original;
                double numeric = (up - down) / (2 * h);
                Assert.True(Math.Abs(numeric - gradient[i]) <= 1e-6 + 1e-5 * Math.Abs(numeric), $"entry {i}: autograd {gradient[i]}, central difference {numeric}");
                checkedEntries++;
            }
        }
        return checkedEntries;
    }
}
