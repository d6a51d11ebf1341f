using System.Reflection;
using System.Runtime.InteropServices;

namespace Personalization.Streaming.Kafka;

/// <summary>
/// Points this assembly's own librdkafka imports (the mock cluster API, which Confluent.Kafka does not wrap) at the
/// library librdkafka.redist ships, probing in the order Confluent.Kafka does, so both use one loaded copy.
/// </summary>
/// <remarks>
/// On Debian 12 the default <c>librdkafka.so</c> needs <c>libsasl2.so.3</c>, which the distribution lacks; the
/// bundled <c>centos8-librdkafka.so</c> loads instead, as it does for Confluent.Kafka.
/// </remarks>
internal static class BundledLibrdkafka
{
    /// <summary>The name the imports use.</summary>
    public const string Name = "librdkafka";

    private static readonly Lock Gate = new();
    private static bool _installed;

    /// <summary>Installs the resolver; safe to call many times.</summary>
    public static void EnsureResolver()
    {
        lock (Gate)
        {
            if (_installed) return;
            NativeLibrary.SetDllImportResolver(typeof(BundledLibrdkafka).Assembly, Resolve);
            _installed = true;
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != Name) return IntPtr.Zero;
        foreach (var candidate in Candidates())
            if (NativeLibrary.TryLoad(candidate, out var handle)) return handle;
        throw new DllNotFoundException(
            $"librdkafka was not found under {AppContext.BaseDirectory}runtimes/: restore the project (librdkafka.redist ships it).");
    }

    private static IEnumerable<string> Candidates()
    {
        var arch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.Arm64 => "arm64",
            _ => "x64",
        };
        var (rid, files) = OperatingSystem.IsMacOS() ? ($"osx-{arch}", new[] { "librdkafka.dylib" })
            : ($"linux-{arch}", new[] { "librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so" });
        foreach (var file in files)
            yield return Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native", file);
    }
}
