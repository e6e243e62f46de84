using TorchSharp;
using TransformerSharp.Build;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Build;

/// <summary>The build's fix for TorchSharp's GLIBCXX_3.4.32 requirement, and that libtorch then really works.</summary>
public class NativeLibraryTests
{
    const string Version = "GLIBCXX_3.4.32";

    static string OriginalLibrary => Path.Combine(TestSupport.Metadata("NuGetPackageRoot"),
        "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    static string OutputLibrary => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    [Fact]
    public void TorchInitialisesAndComputes()
    {
        using var scope = NewDisposeScope();
        Tensor a = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2).requires_grad_();
        Tensor product = a.matmul(a);                       // [[7, 10], [15, 22]]
        Assert.Equal(new float[] { 7, 10, 15, 22 }, product.data<float>().ToArray());
        product.sum().backward();
        // d sum(A·A) / dA_ij = (row sum j of A) + (column sum i of A), by hand: [[3+4, 7+4], [3+6, 7+6]].
        Assert.Equal(new float[] { 7, 11, 9, 13 }, a.grad!.data<float>().ToArray());
    }

    [SkippableFact]
    public void OutputCopyIsWeakExactlyWhenTheHostLacksTheVersion()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the fix concerns Linux only");
        string? host = ElfVersionPatch.FindHostLibStdCxx();
        Skip.If(host is null, "no libstdc++.so.6 on this host");
        bool hostHasIt = ElfVersionPatch.DefinesVersion(host!, Version);
        Assert.Equal(!hostHasIt, ElfVersionPatch.IsWeak(OutputLibrary, Version));
        // The NuGet cache is never changed.
        Assert.False(ElfVersionPatch.IsWeak(OriginalLibrary, Version));
    }

    [SkippableFact]
    public void MarkWeakChangesOneFlagAndIsIdempotent()
    {
        Skip.IfNot(File.Exists(OriginalLibrary), $"{OriginalLibrary} is not in the NuGet cache");
        string copy = Path.Combine(TestSupport.TempFolder(), "libLibTorchSharp.so");
        File.Copy(OriginalLibrary, copy);
        byte[] before = File.ReadAllBytes(copy);

        Assert.Equal(false, ElfVersionPatch.IsWeak(copy, Version));
        Assert.Equal(ElfPatchResult.Patched, ElfVersionPatch.MarkWeak(copy, Version));
        Assert.Equal(true, ElfVersionPatch.IsWeak(copy, Version));
        Assert.Equal(ElfPatchResult.AlreadyWeak, ElfVersionPatch.MarkWeak(copy, Version));
        Assert.Equal(ElfPatchResult.VersionNotRequired, ElfVersionPatch.MarkWeak(copy, "GLIBCXX_99.0"));

        byte[] after = File.ReadAllBytes(copy);
        Assert.Equal(before.Length, after.Length);
        int[] changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToArray();
        Assert.Single(changed);
        Assert.Equal(before[changed[0]] | 0x2, after[changed[0]]);
    }

    [Fact]
    public void DefinesVersionReadsStringTables()
    {
        string file = Path.Combine(TestSupport.TempFolder(), "fake.so");
        File.WriteAllBytes(file, System.Text.Encoding.ASCII.GetBytes("\0GLIBCXX_3.4.30\0GLIBCXX_3.4.321\0"));
        Assert.True(ElfVersionPatch.DefinesVersion(file, "GLIBCXX_3.4.30"));
        Assert.False(ElfVersionPatch.DefinesVersion(file, "GLIBCXX_3.4.32"));
        Assert.Throws<InvalidDataException>(() => ElfVersionPatch.MarkWeak(file, "GLIBCXX_3.4.32"));
    }
}
