using System.Diagnostics;
using System.Runtime.InteropServices;
using TransformerSharp.Build;
using TransformerSharp.Checkpoints;
using Xunit;

namespace TransformerSharp.Tests.Build;

/// <summary>The build's MKL fix (build/MklCpuPatch.cs): which bytes it changes, where it applies, and that training does not change.</summary>
public class MklCpuPatchTests
{
    static string OriginalLibrary => Path.Combine(TestSupport.Metadata("NuGetPackageRoot"),
        "libtorch-cpu-linux-x64", "2.10.0", "runtimes", "linux-x64", "native", "libtorch_cpu.so");

    static string OutputLibrary => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libtorch_cpu.so");

    static void SkipUnlessLinuxWithLibtorch()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the fix concerns Linux only");
        Skip.IfNot(File.Exists(OriginalLibrary), $"{OriginalLibrary} is not in the NuGet cache");
    }

    [SkippableFact]
    public void OutputCopyIsPatchedExactlyOnAmdHostsAndTheCacheNever()
    {
        SkipUnlessLinuxWithLibtorch();
        Assert.Equal(MklCpuState.Original, MklCpuPatch.State(OriginalLibrary));
        Assert.Equal(MklCpuPatch.HostIsAmd() ? MklCpuState.Patched : MklCpuState.Original, MklCpuPatch.State(OutputLibrary));
    }

    [SkippableFact]
    public void TheLoadedMklIsToldItRunsOnIntel()
    {
        SkipUnlessLinuxWithLibtorch();
        Skip.IfNot(MklCpuPatch.HostIsAmd(), "on Intel the function returns 1 with or without the fix");
        _ = TorchSharp.torch.ones(1);                                       // loads libtorch
        IntPtr library = NativeLibrary.Load(OutputLibrary);
        try
        {
            IntPtr function = NativeLibrary.GetExport(library, MklCpuPatch.Symbol);
            Assert.Equal(1, Marshal.GetDelegateForFunctionPointer<IntFunction>(function)());
        }
        finally { NativeLibrary.Free(library); }
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    delegate int IntFunction();

    [SkippableFact]
    public void PatchChangesSixBytesThroughOneSharedCopyAndIsIdempotent()
    {
        SkipUnlessLinuxWithLibtorch();
        string folder = TestSupport.TempFolder();
        string target = Path.Combine(folder, "out", "libtorch_cpu.so"), cache = Path.Combine(folder, "cache", "patched.so");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(OriginalLibrary, target);
        try
        {
            Assert.Equal(MklCpuState.Original, MklCpuPatch.PatchVia(target, cache));
            Assert.Equal(MklCpuState.Patched, MklCpuPatch.State(target));
            Assert.Equal(MklCpuState.Patched, MklCpuPatch.PatchVia(target, cache));
            Assert.Equal(File.GetLastWriteTimeUtc(OriginalLibrary), File.GetLastWriteTimeUtc(target));

            long offset = MklCpuPatch.FunctionOffset(target, MklCpuPatch.Symbol);
            var changed = DifferingOffsets(OriginalLibrary, target);
            Assert.Equal(Enumerable.Range(0, 6).Select(i => offset + i), changed.Where(o => o < offset + 6));
            Assert.True(changed.All(o => o >= offset && o < offset + 6), $"bytes changed outside the function: {string.Join(", ", changed.Take(10))}");

            // A second output folder shares the cache's copy instead of making its own.
            string second = Path.Combine(folder, "out2", "libtorch_cpu.so");
            Directory.CreateDirectory(Path.GetDirectoryName(second)!);
            File.Copy(OriginalLibrary, second);
            MklCpuPatch.PatchVia(second, cache);
            Assert.Equal(Inode(cache), Inode(second));
            Assert.Equal(-1, MklCpuPatch.FunctionOffset(target, "no_such_symbol_here"));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    /// <summary>
    /// The same GPT training, from the same seed, in two processes: one loading the patched library, one a folder whose
    /// libtorch_cpu.so is the NuGet original. MKL's AVX-512 kernels may round differently in the last bits, so the
    /// losses agree closely, not exactly; a wrong kernel would not.
    /// </summary>
    [SkippableFact]
    public void TrainingLossesAreTheSameWithAndWithoutTheFix()
    {
        SkipUnlessLinuxWithLibtorch();
        Skip.IfNot(MklCpuState.Patched == MklCpuPatch.State(OutputLibrary), "the output library is not patched here (not an AMD host, or opted out)");
        string folder = TestSupport.TempFolder();
        string original = Path.Combine(folder, "original-bin");
        LinkTree(AppContext.BaseDirectory, original);
        string copy = Path.Combine(original, "runtimes", "linux-x64", "native", "libtorch_cpu.so");
        File.Delete(copy);
        File.Copy(OriginalLibrary, copy);
        Assert.Equal(MklCpuState.Original, MklCpuPatch.State(copy));

        string text = Path.Combine(folder, "text.txt");
        File.WriteAllText(text, string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs.\n", 400)));
        double[] patched = TrainLosses(AppContext.BaseDirectory, text, Path.Combine(folder, "patched"));
        double[] unpatched = TrainLosses(original, text, Path.Combine(folder, "unpatched"));
        Assert.Equal(40, patched.Length);
        Assert.Equal(patched.Length, unpatched.Length);
        double worst = patched.Zip(unpatched, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst < 1e-3, $"largest loss difference over 40 steps: {worst}");
        Assert.True(patched[^1] < patched[0] - 0.5, "the run should learn");
    }

    static double[] TrainLosses(string binFolder, string text, string outDir)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { Path.Combine(binFolder, "TransformerSharp.Cli.dll"), "gpt", "train", "--data", text, "--iterations", "40",
                                       "--seed", "3", "--threads", "1", "--out", outDir })
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"gpt train in {binFolder} exited {process.ExitCode}:\n{output}\n{error.Result}");
        var header = Checkpoint.ReadHeader(Path.Combine(outDir, "last.ckpt"));
        return header.Metadata["training"]!["train_losses"]!.AsArray().Select(l => l![1]!.GetValue<double>()).ToArray();
    }

    static void LinkTree(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (string file in Directory.GetFiles(source))
        {
            // Hard links: the .NET host resolves symbolic links and would load the original folder's libraries.
            string link = Path.Combine(destination, Path.GetFileName(file));
            if (!HardLinks.TryCreate(link, file)) File.Copy(file, link);
        }
        foreach (string directory in Directory.GetDirectories(source))
            LinkTree(directory, Path.Combine(destination, Path.GetFileName(directory)));
    }

    static List<long> DifferingOffsets(string a, string b)
    {
        var result = new List<long>();
        using var fa = File.OpenRead(a);
        using var fb = File.OpenRead(b);
        Assert.Equal(fa.Length, fb.Length);
        byte[] ba = new byte[1 << 20], bb = new byte[1 << 20];
        long position = 0;
        int n;
        while ((n = fa.Read(ba, 0, ba.Length)) > 0)
        {
            fb.ReadExactly(bb, 0, n);
            if (!ba.AsSpan(0, n).SequenceEqual(bb.AsSpan(0, n)))
                for (int i = 0; i < n; i++) if (ba[i] != bb[i]) result.Add(position + i);
            position += n;
        }
        return result;
    }

    static long Inode(string path) => long.Parse(RunStat(path));

    static string RunStat(string path)
    {
        var info = new ProcessStartInfo("stat", new[] { "-c", "%i", path }) { RedirectStandardOutput = true };
        using var process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return output;
    }
}
