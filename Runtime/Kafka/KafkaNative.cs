using System.Reflection;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Personalization.Runtime.Kafka;

/// <summary>
/// Loads Debian's librdkafka for Confluent.Kafka. The librdkafka.redist package is not obtainable,
/// and glibc 2.36 ships no plain <c>libdl.so</c>, so both names are mapped explicitly before first use.
/// </summary>
public static class KafkaNative
{
    /// <summary>The soname of the native library this process uses.</summary>
    public const string LibraryName = "librdkafka.so.1";

    private static readonly object Gate = new();
    private static bool _loaded;

    /// <summary>Installs the import resolver and loads librdkafka; safe to call many times.</summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_loaded) return;
            NativeLibrary.SetDllImportResolver(typeof(Library).Assembly, Resolve);
            try
            {
                Library.Load(LibraryName);
            }
            catch (Exception ex) when (ex is DllNotFoundException or InvalidOperationException)
            {
                throw new InvalidOperationException(
                    $"Cannot load {LibraryName}. Install it with 'apt-get install -y librdkafka1' (scripts/install-deps.sh does).", ex);
            }
            _loaded = true;
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name == "libdl") return NativeLibrary.Load("libdl.so.2");
        if (name.StartsWith("librdkafka", StringComparison.Ordinal)) return NativeLibrary.Load(LibraryName);
        return IntPtr.Zero;
    }
}
