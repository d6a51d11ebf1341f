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

/// <summary>
/// A silo of its own for the experiment tests: a running experiment shapes every response of its silo, so it must not
/// run beside tests that check exact lists.
/// </summary>
public sealed class ExperimentSiloFixture : IAsyncLifetime
{
    /// <summary>The silo.</summary>
    public TestSilo Silo { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync() => Silo = await TestSilo.StartAsync();

    /// <inheritdoc />
    public async Task DisposeAsync() => await Silo.DisposeAsync();
}

/// <summary>Collection of the tests sharing <see cref="ExperimentSiloFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class ExperimentSiloCollection : ICollectionFixture<ExperimentSiloFixture>
{
    /// <summary>Collection name.</summary>
    public const string Name = "experiment silo";
}
