namespace Personalization.Runtime;

/// <summary>Names a grain type on its interface; the name is part of the stored state's key.</summary>
[AttributeUsage(AttributeTargets.Interface)]
public sealed class GrainTypeAttribute(string name) : Attribute
{
    /// <summary>The stable grain type name.</summary>
    public string Name { get; } = name;
}
