using System.Runtime.InteropServices;

namespace TransformerSharp.Torch;

/// <summary>
/// Refuses every request of this process for AMX's tile state, whoever makes it. <see cref="OneDnnIsa"/>'s cap keeps
/// libtorch's oneDNN from asking, but other native code asks on its own: ONNX Runtime's MLAS does at its first session
/// on any CPU with AMX, and then a NullReferenceException kills the process (README, "AMX and .NET's signal stack").
/// A one-rule seccomp filter answers <c>arch_prctl(ARCH_REQ_XCOMP_PERM)</c> with EPERM; the libraries take that as
/// "no AMX" and use their AVX-512 kernels. Opt-in, for hosts that load such code (our tests and benchmarks): the
/// filter cannot be lifted, children inherit it, and a process without CAP_SYS_ADMIN must first give up gaining
/// privileges through exec (PR_SET_NO_NEW_PRIVS), which a library should not decide for its host.
/// </summary>
public static class AmxGuard
{
    static readonly object gate = new();

    /// <summary>Where AMX, arch_prctl and this filter exist: Linux on x64.</summary>
    public static bool Applies => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary>Whether this process refuses AMX requests (the filter is installed).</summary>
    public static bool Installed { get; private set; }

    /// <summary>
    /// Installs the filter on every thread of the process, once; false where it cannot be (not Linux x64, no seccomp)
    /// or AMX was already granted, which no filter can take back.
    /// </summary>
    public static bool RefuseAmx()
    {
        lock (gate)
        {
            if (Installed) return true;
            if (!Applies || AmxTileDataPermitted()) return false;
            if (InstallFilter() != 0)
            {
                if (Marshal.GetLastPInvokeError() != EAcces || prctl(PrSetNoNewPrivs, 1, 0, 0, 0) != 0 || InstallFilter() != 0) return false;
            }
            return Installed = true;
        }
    }

    /// <summary>Whether this process holds permission for AMX's tile data (Linux's arch_prctl ARCH_GET_XCOMP_PERM).</summary>
    public static bool AmxTileDataPermitted()
    {
        if (!Applies) return false;
        ulong features = 0;
        return syscall(SysArchPrctl, ArchGetXcompPerm, ref features) == 0 && (features & (1UL << XFeatureTileData)) != 0;
    }

    /// <summary>Asks Linux for AMX's tile data as the libraries do: 0 when granted, else the errno (EPERM from the filter).</summary>
    public static int RequestAmxTileData()
    {
        if (!Applies) return -1;
        return syscall(SysArchPrctl, ArchReqXcompPerm, XFeatureTileData) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>The errno the filter answers with.</summary>
    public const int Refusal = (int)EPerm;

    static long InstallFilter()
    {
        // Classic BPF over struct seccomp_data { int nr; u32 arch; u64 ip; u64 args[6]; }: jump offsets count from the next instruction.
        SockFilter[] program =
        {
            new(BpfLoadWord, 0, 0, 4),                          // arch
            new(BpfJumpIfEqual, 0, 5, AuditArchX8664),          // another ABI: allow
            new(BpfLoadWord, 0, 0, 0),                          // syscall number
            new(BpfJumpIfEqual, 0, 3, (uint)SysArchPrctl),      // not arch_prctl: allow
            new(BpfLoadWord, 0, 0, 16),                         // its option (args[0], low half; the kernel reads an int)
            new(BpfJumpIfEqual, 0, 1, ArchReqXcompPerm),        // another option: allow
            new(BpfReturn, 0, 0, SeccompReturnErrno | EPerm),
            new(BpfReturn, 0, 0, SeccompReturnAllow),
        };
        var pinned = GCHandle.Alloc(program, GCHandleType.Pinned);
        try
        {
            var header = new SockFilterProgram { Length = (ushort)program.Length, Filter = pinned.AddrOfPinnedObject() };
            return seccomp(SysSeccomp, SeccompSetModeFilter, SeccompFilterFlagTsync, ref header);
        }
        finally { pinned.Free(); }
    }

    [StructLayout(LayoutKind.Sequential)]
    readonly record struct SockFilter(ushort Code, byte JumpIfTrue, byte JumpIfFalse, uint Value);

    [StructLayout(LayoutKind.Sequential)]
    struct SockFilterProgram
    {
        public ushort Length;
        public IntPtr Filter;
    }

    const ushort BpfLoadWord = 0x20, BpfJumpIfEqual = 0x15, BpfReturn = 0x06;   // BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_RET|BPF_K
    const uint AuditArchX8664 = 0xC000003E, SeccompReturnAllow = 0x7FFF0000, SeccompReturnErrno = 0x00050000;
    const uint EPerm = 1;
    const int EAcces = 13, PrSetNoNewPrivs = 38;
    const long SysArchPrctl = 158, SysSeccomp = 317, SeccompSetModeFilter = 1, SeccompFilterFlagTsync = 1;
    const uint ArchGetXcompPerm = 0x1022, ArchReqXcompPerm = 0x1023;
    const int XFeatureTileData = 18;

    [DllImport("libc", SetLastError = true)]
    static extern long syscall(long number, long code, ref ulong features);

    [DllImport("libc", SetLastError = true)]
    static extern long syscall(long number, long code, long feature);

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    static extern long seccomp(long number, long operation, long flags, ref SockFilterProgram program);

    [DllImport("libc", SetLastError = true)]
    static extern int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);
}
