using static TorchSharp.torch;

namespace TransformerSharp.Attention;

/// <summary>
/// Self-attention as a Transformer block calls it: <see cref="MultiHeadAttention"/> (separate W_q, W_k, W_v) and
/// <see cref="FusedQkvAttention"/> (GPT-2's one c_attn projection) both serve.
/// </summary>
public interface ISelfAttention
{
    int NumHeads { get; }
    /// <summary>Weights of the last call, (batch · heads, queries, keys); owned by the caller's dispose scope.</summary>
    Tensor? AttentionWeights { get; }
    /// <summary>x (batch, len, width) → (batch, len, width); with a cache, x holds only the new positions.</summary>
    Tensor SelfAttend(Tensor x, Tensor? validLens, bool causal, KeyValueCache? cache, int layer, Tensor? scoreBias);
}
