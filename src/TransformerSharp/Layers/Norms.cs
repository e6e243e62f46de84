using TorchSharp;
using TorchSharp.Modules;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Layers;

public enum NormKind { LayerNorm, RmsNorm }

/// <summary>
/// T5's root-mean-square norm: x / √(mean(x²) + eps) · weight. Scale only: no bias, no mean subtraction.
/// Computed in float32 whatever the input, as T5 does.
/// </summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    readonly Parameter weight;
    readonly double eps;

    public RmsNorm(long width, double eps = 1e-6) : base(nameof(RmsNorm))
    {
        weight = nn.Parameter(ones(width));
        this.eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor x32 = x.to(ScalarType.Float32);
        // x32 * x32 rather than square(), which TorchSharp computes as pow with an implicit Scalar (see Scalars).
        Tensor variance = (x32 * x32).mean(new long[] { -1 }, keepdim: true);
        Tensor normed = x * variance.Plus(eps).rsqrt();
        return (weight * normed.to(x.dtype)).MoveToOuterDisposeScope();
    }
}

public static class Norms
{
    /// <summary>A LayerNorm (with or without its bias) or an RMSNorm over the last axis.</summary>
    public static nn.Module<Tensor, Tensor> Create(NormKind kind, long width, double eps, bool bias = true) => kind switch
    {
        NormKind.LayerNorm => nn.LayerNorm(width, eps, elementwise_affine: true, bias: bias),
        NormKind.RmsNorm => new RmsNorm(width, eps),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
