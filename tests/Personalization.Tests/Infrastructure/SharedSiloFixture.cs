namespace Personalization.Tests.Infrastructure;

/// <summary>One silo shared by the end-to-end tests that do not restart it.</summary>
public sealed class SharedSiloFixture : IAsyncLifetime
{
    /// <summary>The silo.</summary>
    public TestSilo Silo { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync() => Silo = await TestSilo.StartAsync();

    /// <inheritdoc />
    public async Task DisposeAsync() => await Silo.DisposeAsync();
}

/// <summary>Collection of tests sharing <see cref="SharedSiloFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class SharedSiloCollection : ICollectionFixture<SharedSiloFixture>
{
    /// <summary>Collection name.</summary>
    public const string Name = "shared silo";
}
