using System.Reflection;
using TorchSharp;
using TransformerSharp.Torch;
using Xunit;
using static TorchSharp.torch;

// libtorch's random state and thread settings are process-wide: run tests one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace TransformerSharp.Tests;

public static class TestSupport
{
    static TestSupport() => TorchRuntime.ConfigureThreads();

    public static string Metadata(string key) =>
        typeof(TestSupport).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    public static string RepositoryRoot => Path.GetFullPath(Metadata("RepositoryRoot"));

    /// <summary>../shared/data beside the project root, or null when it is absent.</summary>
    public static string? SharedData
    {
        get
        {
            string path = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "data"));
            return Directory.Exists(path) ? path : null;
        }
    }

    public static void Seed(long seed)
    {
        TorchRuntime.ConfigureThreads();
        TorchRuntime.Seed(seed);
    }

    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        using Tensor diff = (a.to(ScalarType.Float64) - b.to(ScalarType.Float64)).abs().max();
        return diff.item<double>();
    }

    public static string TempFolder()
    {
        string path = Path.Combine(Path.GetTempPath(), "transformersharp-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
