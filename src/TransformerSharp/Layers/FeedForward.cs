using TorchSharp;
using TorchSharp.Modules;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Layers;

/// <summary>GeluTanh: GELU's tanh approximation, GPT-2's "gelu_new".</summary>
public enum Activation { Relu, Gelu, GatedGelu, GeluTanh }

/// <summary>
/// D2L 11.7.2's position-wise feed-forward network: dense1, activation, dense2 at every position. ReLU (D2L, T5 v1.0),
/// GELU (GPT, BERT), or gated GELU (T5 v1.1: gelu(dense1 x) ⊙ gate x, then dense2). Optional dropout before dense2
/// (T5 has it; D2L, GPT and BERT do not).
/// </summary>
public sealed class FeedForward : nn.Module<Tensor, Tensor>
{
    readonly Linear dense1;
    readonly Linear? gate;
    readonly Linear dense2;
    readonly FastDropout? dropout;
    readonly Activation activation;

    public FeedForward(long width, long ffnWidth, Activation activation, bool bias = true, double innerDropout = 0.0) : base(nameof(FeedForward))
    {
        this.activation = activation;
        dense1 = nn.Linear(width, ffnWidth, hasBias: bias);
        if (activation == Activation.GatedGelu) gate = nn.Linear(width, ffnWidth, hasBias: bias);
        dense2 = nn.Linear(ffnWidth, width, hasBias: bias);
        if (innerDropout > 0) dropout = new FastDropout(innerDropout);
        RegisterComponents();
    }

    /// <summary>The first layer (T5's wi, or wi_0 when gated).</summary>
    public Linear Input => dense1;
    /// <summary>The gate of the gated GELU (T5 v1.1's wi_1); null otherwise.</summary>
    public Linear? Gate => gate;
    /// <summary>The layer that writes back into the residual stream (GPT-2 scales its initialisation).</summary>
    public Linear Output => dense2;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor h = MatmulPrecision.Linear(dense1, x);                               // (…, ffnWidth)
        h = activation switch
        {
            Activation.Relu => nn.functional.relu(h),
            Activation.Gelu => nn.functional.gelu(h),
            Activation.GeluTanh => TanhGelu(h),
            Activation.GatedGelu => TanhGelu(h) * MatmulPrecision.Linear(gate!, x),
            _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, null),
        };
        if (dropout is not null) h = dropout.forward(h);
        return MatmulPrecision.Linear(dense2, h).MoveToOuterDisposeScope();
    }

    /// <summary>GELU's tanh approximation ("gelu_new", what T5 v1.1's gated FFN uses).</summary>
    public static Tensor TanhGelu(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor inner = x.Plus((x * x * x).Times(0.044715)).Times(Math.Sqrt(2.0 / Math.PI));   // √(2/π)(x + 0.044715x³)
        return (x.Times(0.5) * inner.tanh().Plus(1.0)).MoveToOuterDisposeScope();
    }
}
