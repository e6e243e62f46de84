using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TransformerSharp.Attention;

/// <summary>
/// GPT-2's self-attention: one fused projection c_attn gives queries, keys and values (a test checks it equals
/// <see cref="MultiHeadAttention"/> with c_attn split into W_q, W_k, W_v); heads are split and merged as there, the
/// scores go through the shared <see cref="DotProductAttention"/>, and c_proj mixes the heads. Names follow GPT-2.
/// </summary>
public sealed class FusedQkvAttention : nn.Module, ISelfAttention
{
    public int NumHeads { get; }
    readonly Linear c_attn, c_proj;
    readonly DotProductAttention attention;

    public FusedQkvAttention(long numHiddens, int numHeads, double dropout = 0.0, bool bias = true) : base(nameof(FusedQkvAttention))
    {
        if (numHeads <= 0 || numHiddens % numHeads != 0)
            throw new ArgumentException($"numHiddens ({numHiddens}) must be a positive multiple of numHeads ({numHeads})");
        NumHeads = numHeads;
        c_attn = nn.Linear(numHiddens, 3 * numHiddens, hasBias: bias);
        c_proj = nn.Linear(numHiddens, numHiddens, hasBias: bias);
        attention = new DotProductAttention(dropout);
        RegisterComponents();
    }

    public Linear QkvProjection => c_attn;
    public Linear OutputProjection => c_proj;
    public Tensor? AttentionWeights => attention.AttentionWeights;

    public Tensor SelfAttend(Tensor x, Tensor? validLens, bool causal, KeyValueCache? cache, int layer, Tensor? scoreBias)
    {
        using var scope = NewDisposeScope();
        Tensor[] qkv = c_attn.forward(x).chunk(3, -1);                          // 3 × (batch, len, hidden)
        Tensor q = MultiHeadAttention.SplitHeads(qkv[0], NumHeads);              // (batch·heads, len, d)
        Tensor k = MultiHeadAttention.SplitHeads(qkv[1], NumHeads);
        Tensor v = MultiHeadAttention.SplitHeads(qkv[2], NumHeads);
        if (cache is not null) (k, v) = cache.Append(layer, k, v);              // (batch·heads, cached + len, d)
        Tensor? lens = validLens?.repeat_interleave(NumHeads, dim: 0);
        Tensor? bias = scoreBias is null ? null : MultiHeadAttention.PerHeadBias(scoreBias, x.shape[0], NumHeads);
        Tensor output = attention.forward(q, k, v, lens, causal, bias);         // (batch·heads, len, d)
        Tensor result = c_proj.forward(MultiHeadAttention.MergeHeads(output, NumHeads));
        attention.AttentionWeights?.MoveToOuterDisposeScope();
        return result.MoveToOuterDisposeScope();
    }
}
