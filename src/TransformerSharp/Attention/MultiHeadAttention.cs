using TorchSharp;
using TorchSharp.Modules;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Attention;

/// <summary>
/// D2L 11.5: multi-head attention. Queries, keys and values are projected by W_q, W_k, W_v to numHiddens, split into
/// heads by reshapes, attended in parallel by one <see cref="DotProductAttention"/>, merged and projected by W_o.
/// Batch-first. Serves self-attention (q = k = v), cross-attention and causal self-attention.
/// </summary>
public sealed class MultiHeadAttention : nn.Module, ISelfAttention
{
    public int NumHeads { get; }
    public long NumHiddens { get; }

    readonly Linear W_q, W_k, W_v, W_o;
    readonly DotProductAttention attention;

    /// <param name="querySize">input width of queries (default numHiddens); likewise keySize and valueSize.</param>
    /// <param name="scaleScores">false leaves out the 1/√d (T5).</param>
    /// <param name="outputSize">width W_o projects to (default numHiddens).</param>
    public MultiHeadAttention(long numHiddens, int numHeads, double dropout = 0.0, bool bias = false,
                              long? querySize = null, long? keySize = null, long? valueSize = null, bool scaleScores = true,
                              long? outputSize = null)
        : base(nameof(MultiHeadAttention))
    {
        if (numHeads <= 0 || numHiddens % numHeads != 0)
            throw new ArgumentException($"numHiddens ({numHiddens}) must be a positive multiple of numHeads ({numHeads})");
        NumHeads = numHeads;
        NumHiddens = numHiddens;
        W_q = nn.Linear(querySize ?? numHiddens, numHiddens, hasBias: bias);
        W_k = nn.Linear(keySize ?? numHiddens, numHiddens, hasBias: bias);
        W_v = nn.Linear(valueSize ?? numHiddens, numHiddens, hasBias: bias);
        W_o = nn.Linear(numHiddens, outputSize ?? numHiddens, hasBias: bias);
        attention = new DotProductAttention(dropout, scaleScores);
        RegisterComponents();
    }

    public Linear QueryProjection => W_q;
    public Linear KeyProjection => W_k;
    public Linear ValueProjection => W_v;
    public Linear OutputProjection => W_o;

    /// <summary>Weights of the last call, (batch · heads, queries, keys), batch-major; owned by the caller's dispose scope.</summary>
    public Tensor? AttentionWeights => attention.AttentionWeights;

    /// <summary>
    /// queries (batch, q, querySize), keys (batch, k, keySize), values (batch, k, valueSize) → (batch, q, outputSize).
    /// validLens: (batch) or (batch, q), as in <see cref="MaskedSoftmax"/>; causal hides later keys.
    /// With a cache, keys and values are only the new positions: their projections are appended to the cache's
    /// entry for <paramref name="layer"/> and attention runs over everything cached so far.
    /// scoreBias: (batch or 1, heads, q, k), added to every head's scores (T5's relative positions).
    /// </summary>
    public Tensor forward(Tensor queries, Tensor keys, Tensor values, Tensor? validLens = null, bool causal = false,
                          KeyValueCache? cache = null, int layer = 0, Tensor? scoreBias = null)
    {
        using var scope = NewDisposeScope();
        Tensor q = SplitHeads(MatmulPrecision.Linear(W_q, queries), NumHeads);     // (batch·heads, q, hidden/heads)
        Tensor k = SplitHeads(MatmulPrecision.Linear(W_k, keys), NumHeads);        // (batch·heads, k, hidden/heads)
        Tensor v = SplitHeads(MatmulPrecision.Linear(W_v, values), NumHeads);      // (batch·heads, k, hidden/heads)
        if (cache is not null) (k, v) = cache.Append(layer, k, v);                 // (batch·heads, cached + k, hidden/heads)
        // Each head sees the same lengths: repeat them per head, batch-major like the split.
        Tensor? lens = validLens?.repeat_interleave(NumHeads, dim: 0);
        Tensor? bias = scoreBias is null ? null : PerHeadBias(scoreBias, queries.shape[0], NumHeads);
        Tensor output = attention.forward(q, k, v, lens, causal, bias);            // (batch·heads, q, hidden/heads)
        Tensor result = MatmulPrecision.Linear(W_o, MergeHeads(output, NumHeads)); // (batch, q, hidden)
        attention.AttentionWeights?.MoveToOuterDisposeScope();
        return result.MoveToOuterDisposeScope();
    }

    public Tensor SelfAttend(Tensor x, Tensor? validLens, bool causal, KeyValueCache? cache, int layer, Tensor? scoreBias) =>
        forward(x, x, x, validLens, causal, cache, layer, scoreBias);

    /// <summary>(batch or 1, heads, q, k) → (batch·heads, q, k), batch-major like <see cref="SplitHeads"/>.</summary>
    public static Tensor PerHeadBias(Tensor bias, long batch, int heads) =>
        bias.expand(batch, heads, bias.shape[2], bias.shape[3]).reshape(batch * heads, bias.shape[2], bias.shape[3]);

    /// <summary>(batch, len, heads·d) → (batch·heads, len, d).</summary>
    public static Tensor SplitHeads(Tensor x, int heads)
    {
        long batch = x.shape[0], len = x.shape[1];
        return x.reshape(batch, len, heads, -1)                        // (batch, len, heads, d)
                .permute(0, 2, 1, 3)                                    // (batch, heads, len, d)
                .reshape(batch * heads, len, -1);                       // (batch·heads, len, d)
    }

    /// <summary>(batch·heads, len, d) → (batch, len, heads·d); the inverse of <see cref="SplitHeads"/>.</summary>
    public static Tensor MergeHeads(Tensor x, int heads)
    {
        long len = x.shape[1];
        return x.reshape(-1, heads, len, x.shape[2])                   // (batch, heads, len, d)
                .permute(0, 2, 1, 3)                                    // (batch, len, heads, d)
                .reshape(x.shape[0] / heads, len, -1);                  // (batch, len, heads·d)
    }
}
