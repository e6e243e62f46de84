using TorchSharp;

namespace TransformerSharp.Torch;

/// <summary>Process-wide libtorch settings: thread count and seeding, set in one place.</summary>
public static class TorchRuntime
{
    /// <summary>
    /// Intra-op threads: the argument, else $TRANSFORMERSHARP_THREADS, else libtorch's own default (one per core).
    /// Measured with bench/TransformerSharp.Bench on a 2-core VM: two threads beat one for every attention workload
    /// there (1.1× to 1.9× tokens/s), so we keep libtorch's default rather than forcing one thread.
    /// </summary>
    public const string ThreadsVariable = "TRANSFORMERSHARP_THREADS";

    static bool interopSet;

    /// <summary>Applies the thread setting and returns the intra-op thread count in force.</summary>
    public static int ConfigureThreads(int? threads = null)
    {
        int? count = threads ?? (int.TryParse(Environment.GetEnvironmentVariable(ThreadsVariable), out int fromEnv) ? fromEnv : null);
        if (count is < 1) throw new UserError($"thread count must be at least 1, got {count}");
        if (count is int n) torch.set_num_threads(n);
        if (!interopSet)
        {
            // Inter-op threads can be set only once, before any parallel work; our graphs have no inter-op parallelism.
            try { torch.set_num_interop_threads(1); } catch (Exception) { /* already started: keep libtorch's */ }
            interopSet = true;
        }
        return torch.get_num_threads();
    }

    /// <summary>One seed for everything random in libtorch: initialisation, dropout, sampling.</summary>
    public static void Seed(long seed) => torch.manual_seed(seed);
}
