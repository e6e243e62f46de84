using Microsoft.ML.OnnxRuntime;
using TransformerSharp.Models.Bert;
using TransformerSharp.Torch;
using Xunit;

namespace TransformerSharp.Tests.Torch;

/// <summary>
/// The test host refuses AMX (ModuleSetup installs the guard as it loads): ONNX Runtime's parity tests run here, and
/// MLAS asks for AMX on its own at its first session on CPUs that have it, after which a NullReferenceException would
/// kill the host (README, "AMX and .NET's signal stack").
/// </summary>
public class AmxGuardTests
{
    [SkippableFact]
    public void ARequestForAmxIsRefusedWithEpermOnEveryCpu()
    {
        Skip.IfNot(AmxGuard.Applies, "the guard is a Linux x64 seccomp filter");
        Assert.True(AmxGuard.Installed, "the test assembly's set-up did not install the guard");
        Assert.True(AmxGuard.RefuseAmx(), "installing it again must be a no-op that reports it in place");
        // Without the filter the kernel grants (AMX CPUs) or answers EINVAL/EOPNOTSUPP (others): EPERM is the filter's.
        Assert.Equal(AmxGuard.Refusal, AmxGuard.RequestAmxTileData());
        Assert.False(AmxGuard.AmxTileDataPermitted());
    }

    [SkippableFact]
    public void AnOnnxRuntimeSessionLeavesAmxUnrequestedAndNullReferencesCaught()
    {
        Skip.IfNot(AmxGuard.Applies, "the guard is a Linux x64 seccomp filter");
        using (var session = new InferenceSession(MiniLm.OnnxBytes()))
            Assert.NotEmpty(session.InputMetadata);
        Assert.False(AmxGuard.AmxTileDataPermitted(), "something was granted AMX despite the guard");
        Assert.IsType<NullReferenceException>(ModuleSetup.NullDereferenceOnANewThread());
    }
}
