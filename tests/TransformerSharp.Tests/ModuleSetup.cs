using System.Runtime.CompilerServices;
using TransformerSharp.Torch;

namespace TransformerSharp.Tests;

static class ModuleSetup
{
    /// <summary>
    /// oneDNN's cap before any test runs libtorch: a test that multiplies with TorchSharp alone, run first, would
    /// otherwise let oneDNN read its settings before TransformerSharp's assembly had loaded and set them.
    /// </summary>
#pragma warning disable CA2255   // the test assembly's own set-up
    [ModuleInitializer]
    internal static void CapOneDnnFirst() => OneDnnIsa.Apply();
#pragma warning restore CA2255
}
