using System.Runtime.CompilerServices;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Tests;

static class ModuleSetup
{
    /// <summary>
    /// Whether the process held AMX permission after bf16 products under oneDNN's cap alone, checked before the guard
    /// below goes in (which would hide a cap that failed); null where the user chose oneDNN's instruction set.
    /// </summary>
    public static bool? AmxAfterCappedProducts { get; private set; }

    /// <summary>
    /// oneDNN's cap before any test runs libtorch (a test of TorchSharp alone, run first, would let oneDNN read its
    /// settings before TransformerSharp's assembly had set them), then the guard: ONNX Runtime's parity tests run in
    /// this process, and its MLAS asks for AMX by itself.
    /// </summary>
#pragma warning disable CA2255   // the test assembly's own set-up
    [ModuleInitializer]
    internal static void KeepAmxOff()
    {
        OneDnnIsa.Apply();
        if (OneDnnIsa.CappedHere)
        {
            Bf16ProductsAndAConvolution();
            AmxAfterCappedProducts = AmxGuard.AmxTileDataPermitted();
        }
        AmxGuard.RefuseAmx();
    }
#pragma warning restore CA2255

    /// <summary>oneDNN's bf16 products, forward and backward, and a float32 convolution (oneDNN's too).</summary>
    public static void Bf16ProductsAndAConvolution()
    {
        using var scope = NewDisposeScope();
        using (MatmulPrecision.Use(true))
        {
            using var layer = nn.Linear(64, 64);
            MatmulPrecision.Linear(layer, randn(32, 64)).sum().backward();
            MatmulPrecision.Bmm(randn(4, 32, 64), randn(4, 64, 32));
        }
        nn.functional.conv2d(randn(2, 3, 28, 28), randn(16, 3, 4, 4), strides: new long[] { 4, 4 });
    }

    /// <summary>What a null dereference on a new thread raised (null if nothing): with AMX granted it kills the process instead.</summary>
    public static Exception? NullDereferenceOnANewThread()
    {
        Exception? raised = null;
        var thread = new Thread(() => { try { _ = Environment.GetEnvironmentVariable("TRANSFORMERSHARP_NO_SUCH_VARIABLE")!.Length; } catch (Exception e) { raised = e; } });
        thread.Start();
        thread.Join();
        return raised;
    }
}
