using TorchSharp;
using TorchSharp.Modules;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Attention;

/// <summary>
/// D2L 11.3.3: scaled dot-product attention, softmax(Q Kᵀ / √d + bias) V, with masking and dropout on the weights.
/// The additive score bias is where relative positions enter (T5); T5 also leaves out the 1/√d (scale: false),
/// having folded it into its initialisation.
/// </summary>
public sealed class DotProductAttention : nn.Module
{
    readonly FastDropout dropout;
    readonly bool scale;

    public DotProductAttention(double dropout = 0.0, bool scale = true) : base(nameof(DotProductAttention))
    {
        this.dropout = new FastDropout(dropout);
        this.scale = scale;
        RegisterComponents();
    }

    /// <summary>The weights of the last forward call, (batch, queries, keys); owned by the caller's dispose scope.</summary>
    public Tensor? AttentionWeights { get; private set; }

    /// <summary>For a caller that attends by another path: no weights of an earlier call stay visible.</summary>
    public void ClearWeights() => AttentionWeights = null;

    /// <summary>
    /// queries (batch, q, d), keys (batch, k, d), values (batch, k, v) → (batch, q, v).
    /// scoreBias: added to the scores before masking, (batch, q, k) or broadcastable to it.
    /// </summary>
    public Tensor forward(Tensor queries, Tensor keys, Tensor values, Tensor? validLens = null, bool causal = false, Tensor? scoreBias = null)
    {
        using var scope = NewDisposeScope();
        long d = queries.shape[^1];
        Tensor scores = MatmulPrecision.Bmm(queries, keys.transpose(1, 2));              // (batch, q, k)
        if (scale) scores = scores.DivideInPlace(Math.Sqrt(d));
        if (scoreBias is not null) scores = scores.Plus(scoreBias);
        Tensor weights = MaskedSoftmax.Apply(scores, validLens, causal);
        Tensor output = MatmulPrecision.Bmm(dropout.forward(weights), values);            // (batch, q, v)
        AttentionWeights = weights.MoveToOuterDisposeScope();
        return output.MoveToOuterDisposeScope();
    }
}
