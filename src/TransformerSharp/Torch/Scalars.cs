using TorchSharp;
using static TorchSharp.torch;

namespace TransformerSharp.Torch;

/// <summary>
/// Tensor arithmetic with numbers, for the paths that run most often (every attention and norm, every decoding step).
/// TorchSharp turns a plain number into a native Scalar and passes its handle without keeping the Scalar alive — a + b
/// does so for its implicit alpha of 1 — so a garbage collection started by another thread while libtorch runs can
/// free it mid-call ("Expected false to be true … toFloat", "Unknown scalar type", an alpha that is suddenly a float).
/// Here every Scalar stays reachable until the call has returned: One lives for the whole process, the others until
/// the end of the method that made them.
/// </summary>
public static class Scalars
{
    public static readonly Scalar One = 1.ToScalar();

    /// <summary>a + b.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary>a + value.</summary>
    public static Tensor Plus(this Tensor a, double value) => With(value.ToScalar(), s => a.add(s, One));

    /// <summary>a · value.</summary>
    public static Tensor Times(this Tensor a, double value) => With(value.ToScalar(), a.mul);

    /// <summary>a · value, keeping an integer tensor integer.</summary>
    public static Tensor Times(this Tensor a, long value) => With(value.ToScalar(), a.mul);

    /// <summary>a / value.</summary>
    public static Tensor DividedBy(this Tensor a, long value) => With(value.ToScalar(), s => a.div(s));

    /// <summary>a ← a / value, in place.</summary>
    public static Tensor DivideInPlace(this Tensor a, double value) => With(value.ToScalar(), s => a.div_(s));

    /// <summary>a with value where mask is true.</summary>
    public static Tensor Fill(this Tensor a, Tensor mask, double value) => With(value.ToScalar(), s => a.masked_fill(mask, s));

    /// <summary>a ≠ value, element-wise.</summary>
    public static Tensor NotEqual(this Tensor a, long value) => With(value.ToScalar(), a.ne);

    /// <summary>max(a, value), element-wise.</summary>
    public static Tensor AtLeast(this Tensor a, double value) => With(value.ToScalar(), a.clamp_min);

    /// <summary>The operation's result; the Scalar is disposed only after the operation has returned.</summary>
    static Tensor With(Scalar scalar, Func<Scalar, Tensor> operation)
    {
        using (scalar) return operation(scalar);
    }

    /// <summary>start, start + 1, …, stop − 1 as int64.</summary>
    public static Tensor Range(long start, long stop, Device? device = null)
    {
        using Scalar from = start.ToScalar(), to = stop.ToScalar();
        return arange(from, to, One, ScalarType.Int64, device);
    }

    /// <summary>A (rows, columns) int64 tensor filled with value.</summary>
    public static Tensor Filled(long rows, long columns, long value, Device? device = null)
    {
        using Scalar s = value.ToScalar();
        return full(new[] { rows, columns }, s, ScalarType.Int64, device);
    }
}
