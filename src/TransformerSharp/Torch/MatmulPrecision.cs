using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TransformerSharp.Torch;

/// <summary>
/// Matrix products in bfloat16 (inputs rounded to bf16, products summed in float32 by oneDNN), everything else —
/// weights, biases, norms, softmax, losses, optimiser — in float32: PyTorch's CPU autocast to bf16 (Hugging Face
/// Trainer's `bf16=True`) kept to the products, the only operations bf16 makes faster. Off unless a scope turns it on;
/// the trainer does for runs whose settings ask (`--bf16`). Layers call <see cref="Linear(Linear, Tensor)"/> and
/// <see cref="Bmm"/> instead of the plain products.
/// </summary>
public static class MatmulPrecision
{
    static readonly AsyncLocal<bool> bf16 = new();

    public static bool Bf16 => bf16.Value;

    /// <summary>Sets bf16 products on or off until the returned scope ends, then restores the previous setting.</summary>
    public static IDisposable Use(bool on)
    {
        bool before = bf16.Value;
        bf16.Value = on;
        return new Restore(before);
    }

    sealed class Restore(bool before) : IDisposable
    {
        public void Dispose() => bf16.Value = before;
    }

    /// <summary>
    /// What batch makers round sequence lengths up to (Hugging Face's pad_to_multiple_of): 32 with bf16 products, 1
    /// without. oneDNN compiles a bf16 kernel for every new matrix shape, and batches of every length make a new shape
    /// nearly every step; MKL's float32 kernels need no compiling.
    /// </summary>
    public static int PadToMultipleOf => Bf16 ? 32 : 1;

    /// <summary>layer.forward(x), with the product in bf16 when on; the bias is added in float32.</summary>
    public static Tensor Linear(Linear layer, Tensor x) => Bf16 ? Linear(x, layer.weight!, layer.bias) : layer.forward(x);

    /// <summary>x Wᵀ (+ bias), as nn.functional.linear; in bf16 when on and x is float32.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null)
    {
        if (!Bf16 || x.dtype != ScalarType.Float32) return nn.functional.linear(x, weight, bias);
        using var scope = NewDisposeScope();
        Tensor y = nn.functional.linear(x.to(ScalarType.BFloat16), weight.to(ScalarType.BFloat16)).to(ScalarType.Float32);
        if (bias is not null) y = y.add_(bias, Scalars.One);
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>Batched a b, as torch.bmm; in bf16 when on and both are float32.</summary>
    public static Tensor Bmm(Tensor a, Tensor b)
    {
        if (!Bf16 || a.dtype != ScalarType.Float32 || b.dtype != ScalarType.Float32) return bmm(a, b);
        using var scope = NewDisposeScope();
        return bmm(a.to(ScalarType.BFloat16), b.to(ScalarType.BFloat16)).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Whether this CPU multiplies bf16 natively (AVX-512 BF16 or AMX); without either, oneDNN emulates the products
    /// and bf16 runs slower than float32. Read from /proc/cpuinfo; false where that file is absent.
    /// </summary>
    public static bool CpuHasNativeBf16 => cpuFlags.Contains("avx512_bf16") || CpuHasAmx;

    /// <summary>Whether this CPU has AMX's bf16 tiles, which oneDNN uses only when allowed (<see cref="OneDnnIsa"/>).</summary>
    public static bool CpuHasAmx => cpuFlags.Contains("amx_bf16");

    static readonly HashSet<string> cpuFlags = ReadCpuFlags();

    static HashSet<string> ReadCpuFlags()
    {
        try
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
            return line is null ? new() : line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        }
        catch (IOException) { return new(); }
        catch (UnauthorizedAccessException) { return new(); }
    }
}
