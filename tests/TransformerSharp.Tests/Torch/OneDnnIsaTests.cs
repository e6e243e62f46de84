using TransformerSharp.Models.T5;
using TransformerSharp.Torch;
using TransformerSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Torch;

/// <summary>
/// oneDNN kept off AMX: were it to ask Linux for AMX's tile state, the NullReferenceException below would kill the
/// process on CPUs with AMX (SIGSEGV inside .NET's handler) instead of being caught. On CPUs without AMX oneDNN never
/// asks. The cap alone is checked as the test assembly loads, before <see cref="AmxGuard"/> goes in (ModuleSetup).
/// </summary>
public class OneDnnIsaTests
{
    static bool UserChose => Environment.GetEnvironmentVariable(OneDnnIsa.Variable) is not null ||
                             Environment.GetEnvironmentVariable(OneDnnIsa.LegacyVariable) is not null;

    [SkippableFact]
    public void TheCapIsInTheCLibrarysEnvironmentUnlessTheUserChoseOne()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the cap is set on Linux only");
        Assert.Equal(!UserChose, OneDnnIsa.CappedHere);
        Assert.Equal(Environment.GetEnvironmentVariable(OneDnnIsa.Variable) ?? (UserChose ? null : OneDnnIsa.Cap), OneDnnIsa.InForce);
    }

    [SkippableFact]
    public void TheCapAloneKeptBf16ProductsOffAmx()
    {
        Skip.If(UserChose, $"{OneDnnIsa.Variable} or {OneDnnIsa.LegacyVariable} is set: oneDNN's instruction set is the user's choice");
        Assert.False(ModuleSetup.AmxAfterCappedProducts!.Value, "oneDNN asked for AMX under the cap: NullReferenceExceptions would crash the CLI");
    }

    [SkippableFact]
    public void ANullReferenceAfterBf16ProductsIsStillAnException()
    {
        Skip.If(UserChose && !AmxGuard.Installed, $"{OneDnnIsa.Variable} or {OneDnnIsa.LegacyVariable} is set and no guard: AMX is the user's choice");
        ModuleSetup.Bf16ProductsAndAConvolution();
        string? missing = Environment.GetEnvironmentVariable("TRANSFORMERSHARP_NO_SUCH_VARIABLE");
        Assert.Throws<NullReferenceException>(() => missing!.Length);
        Assert.IsType<NullReferenceException>(ModuleSetup.NullDereferenceOnANewThread());
    }

    [Fact]
    public void ABf16RunSaysWhenItsProductsAreSlowerThanFloat32Here()
    {
        using var scope = NewDisposeScope();
        var warnings = new List<string>();
        var settings = T5Presets.Tiny.Finetuning with { Iterations = 1, Evaluations = 1, Bf16 = true };
        new TrainingObserver { Warning = warnings.Add }.Run("bf16", MatmulPrecisionTests.TinyT5Task(), settings.ToTrainerOptions(4, null));
        string? expected = !MatmulPrecision.CpuHasNativeBf16 ? "emulated"
                         : MatmulPrecision.CpuHasAmx && OneDnnIsa.CappedHere ? $"{OneDnnIsa.Variable}=ALL turns AMX on" : null;
        if (expected is null) Assert.Empty(warnings);
        else Assert.Contains(expected, Assert.Single(warnings));
    }
}
