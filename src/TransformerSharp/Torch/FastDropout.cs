using TorchSharp;
using static TorchSharp.torch;

namespace TransformerSharp.Torch;

/// <summary>
/// Inverted dropout, as nn.Dropout: in training each element is kept with probability 1 − p and scaled by 1/(1 − p);
/// in evaluation the input passes through. The mask comes from rand_like rather than bernoulli_, which draws a double
/// per element and takes three times as long on CPU (README, speed): the same distribution, a different random stream.
/// </summary>
public sealed class FastDropout : nn.Module<Tensor, Tensor>
{
    readonly Scalar threshold, scale;

    public FastDropout(double p) : base(nameof(FastDropout))
    {
        if (double.IsNaN(p) || p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout must be in [0, 1]");
        P = p;
        // Held for the module's lifetime: an implicit Scalar freed by a collection mid-call crashes far from its cause.
        threshold = p.ToScalar();
        scale = (p < 1 ? 1.0 / (1.0 - p) : 0.0).ToScalar();
    }

    public double P { get; }

    public override Tensor forward(Tensor x)
    {
        if (!training || P == 0) return x.alias();
        using var scope = NewDisposeScope();
        Tensor mask = rand_like(x).ge_(threshold).mul_(scale);           // 1/(1 − p) where kept, 0 where dropped
        return x.mul(mask).MoveToOuterDisposeScope();
    }
}
