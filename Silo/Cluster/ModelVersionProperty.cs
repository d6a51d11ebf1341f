using Personalization.Grains.Serving;
using Personalization.Runtime.Membership;

namespace Personalization.Silo.Cluster;

/// <summary>Publishes the served model version in the silo's membership record.</summary>
internal sealed class ModelVersionProperty(IServingModelProvider models) : ISiloPropertiesSource
{
    public void Contribute(IDictionary<string, double> properties) => properties["model.version"] = models.Current?.Version ?? 0;
}
