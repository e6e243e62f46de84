using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TransformerSharp.Attention;

/// <summary>D2L 11.3.3: scaled dot-product attention, softmax(Q Kᵀ / √d) V, with masking and dropout on the weights.</summary>
public sealed class DotProductAttention : nn.Module
{
    readonly Dropout dropout;

    public DotProductAttention(double dropout = 0.0) : base(nameof(DotProductAttention))
    {
        this.dropout = nn.Dropout(dropout);
        RegisterComponents();
    }

    /// <summary>The weights of the last forward call, (batch, queries, keys); owned by the caller's dispose scope.</summary>
    public Tensor? AttentionWeights { get; private set; }

    /// <summary>queries (batch, q, d), keys (batch, k, d), values (batch, k, v) → (batch, q, v).</summary>
    public Tensor forward(Tensor queries, Tensor keys, Tensor values, Tensor? validLens = null, bool causal = false)
    {
        using var scope = NewDisposeScope();
        long d = queries.shape[^1];
        Tensor scores = bmm(queries, keys.transpose(1, 2)).div_(Math.Sqrt(d));          // (batch, q, k)
        Tensor weights = MaskedSoftmax.Apply(scores, validLens, causal);
        Tensor output = bmm(dropout.forward(weights), values);                            // (batch, q, v)
        AttentionWeights = weights.MoveToOuterDisposeScope();
        return output.MoveToOuterDisposeScope();
    }
}
