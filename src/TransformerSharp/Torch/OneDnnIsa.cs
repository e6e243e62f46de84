using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TransformerSharp.Torch;

/// <summary>
/// Keeps oneDNN (libtorch's bf16 products) off AMX unless the user chose its instruction set. The first time oneDNN
/// considers AMX it asks Linux for the tile state, and from then on every signal frame carries it: .NET's 16 KB
/// alternate signal stack then overflows inside its own SIGSEGV handler, so a NullReferenceException anywhere kills
/// the process without a word instead of throwing. AVX512_CORE_BF16 keeps native bf16 dot products (README, "AMX and
/// .NET's signal stack").
/// </summary>
public static class OneDnnIsa
{
    public const string Variable = "ONEDNN_MAX_CPU_ISA";
    public const string LegacyVariable = "DNNL_MAX_CPU_ISA";
    public const string Cap = "AVX512_CORE_BF16";

    /// <summary>Whether the cap is ours: the user set neither variable, and it came before oneDNN had asked for AMX.</summary>
    public static bool CappedHere { get; private set; }

    static bool applied;

#pragma warning disable CA2255   // a library initializer on purpose: no caller of ours can be relied on to run first
    [ModuleInitializer]
    internal static void OnLoad() => Apply();
#pragma warning restore CA2255

    /// <summary>
    /// Sets the cap, once. oneDNN reads the variable at libtorch's first product (even a float32 one), so the cap must
    /// come before it: this assembly sets it as it loads, and only a program that runs libtorch before touching any
    /// type of ours needs to call this first. Too late — AMX already granted — <see cref="CappedHere"/> stays false.
    /// </summary>
    public static void Apply()
    {
        if (applied) return;
        applied = true;
        if (!OperatingSystem.IsLinux() || AmxGuard.AmxTileDataPermitted()) return;
        if (Environment.GetEnvironmentVariable(Variable) is not null || Environment.GetEnvironmentVariable(LegacyVariable) is not null) return;
        // Environment.SetEnvironmentVariable changes .NET's copy only; oneDNN reads the C library's.
        CappedHere = setenv(Variable, Cap, 0) == 0;
    }

    /// <summary>$ONEDNN_MAX_CPU_ISA as the C library (and so oneDNN) sees it; null when unset.</summary>
    public static string? InForce => OperatingSystem.IsLinux() ? Marshal.PtrToStringUTF8(getenv(Variable)) : Environment.GetEnvironmentVariable(Variable);

    [DllImport("libc", SetLastError = true)]
    static extern int setenv(string name, string value, int overwrite);

    [DllImport("libc")]
    static extern IntPtr getenv(string name);
}
