using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TransformerSharp.Attention;

/// <summary>
/// Keys and values of earlier positions, one entry per layer, so decoding a new token attends to them without
/// recomputing them. Layout per layer: (batch · heads, positions so far, head width).
/// </summary>
public sealed class KeyValueCache : IDisposable
{
    readonly Tensor?[] keys, values;

    public KeyValueCache(int layers)
    {
        keys = new Tensor?[layers];
        values = new Tensor?[layers];
    }

    /// <summary>How many positions are cached (the same for every layer).</summary>
    public long Length => keys[0]?.shape[1] ?? 0;

    /// <summary>Appends this step's keys and values for a layer and returns all of them so far.</summary>
    public (Tensor keys, Tensor values) Append(int layer, Tensor newKeys, Tensor newValues)
    {
        Tensor k = keys[layer] is null ? newKeys.detach() : cat(new[] { keys[layer]!, newKeys.detach() }, 1);
        Tensor v = values[layer] is null ? newValues.detach() : cat(new[] { values[layer]!, newValues.detach() }, 1);
        keys[layer]?.Dispose();
        values[layer]?.Dispose();
        // The cache outlives the caller's per-step dispose scope.
        keys[layer] = k.DetachFromDisposeScope();
        values[layer] = v.DetachFromDisposeScope();
        return (keys[layer]!, values[layer]!);
    }

    /// <summary>Drops the oldest positions so at most <paramref name="keep"/> remain (a sliding context window).</summary>
    public void KeepLast(long keep)
    {
        for (int layer = 0; layer < keys.Length; layer++)
        {
            if (keys[layer] is null || keys[layer]!.shape[1] <= keep) continue;
            long drop = keys[layer]!.shape[1] - keep;
            Tensor k = keys[layer]![TensorIndex.Colon, TensorIndex.Slice(drop, null)].contiguous().DetachFromDisposeScope();
            Tensor v = values[layer]![TensorIndex.Colon, TensorIndex.Slice(drop, null)].contiguous().DetachFromDisposeScope();
            keys[layer]!.Dispose();
            values[layer]!.Dispose();
            keys[layer] = k;
            values[layer] = v;
        }
    }

    /// <summary>Keeps, for each batch row, the cache of row indices[i] (beam search reorders hypotheses this way).</summary>
    public void Reorder(Tensor batchIndices, int heads)
    {
        using var scope = NewDisposeScope();
        // Rows are batch-major (batch · heads): row b·heads + h.
        Tensor rows = (batchIndices.unsqueeze(1) * heads + arange(heads, device: batchIndices.device).unsqueeze(0)).reshape(-1);
        for (int layer = 0; layer < keys.Length; layer++)
        {
            if (keys[layer] is null) continue;
            Tensor k = keys[layer]!.index_select(0, rows).DetachFromDisposeScope();
            Tensor v = values[layer]!.index_select(0, rows).DetachFromDisposeScope();
            keys[layer]!.Dispose();
            values[layer]!.Dispose();
            keys[layer] = k;
            values[layer] = v;
        }
    }

    public void Dispose()
    {
        foreach (Tensor? t in keys.Concat(values)) t?.Dispose();
        Array.Clear(keys);
        Array.Clear(values);
    }
}

/// <summary>
/// GPT-style causal self-attention: one fused projection c_attn gives queries, keys and values, heads are split and
/// merged as in <see cref="MultiHeadAttention"/>, the scores go through the shared <see cref="DotProductAttention"/>,
/// and c_proj mixes the heads. Names follow GPT-2 checkpoints.
/// </summary>
public sealed class CausalSelfAttention : nn.Module
{
    public int NumHeads { get; }
    readonly Linear c_attn, c_proj;
    readonly DotProductAttention attention;
    readonly Dropout resid_dropout;

    public CausalSelfAttention(long numHiddens, int numHeads, double dropout = 0.0, bool bias = true) : base(nameof(CausalSelfAttention))
    {
        if (numHeads <= 0 || numHiddens % numHeads != 0)
            throw new ArgumentException($"numHiddens ({numHiddens}) must be a positive multiple of numHeads ({numHeads})");
        NumHeads = numHeads;
        c_attn = nn.Linear(numHiddens, 3 * numHiddens, hasBias: bias);
        c_proj = nn.Linear(numHiddens, numHiddens, hasBias: bias);
        attention = new DotProductAttention(dropout);
        resid_dropout = nn.Dropout(dropout);
        RegisterComponents();
    }

    public Linear OutputProjection => c_proj;
    public Tensor? AttentionWeights => attention.AttentionWeights;

    /// <summary>x (batch, len, hidden) → (batch, len, hidden). With a cache, x holds only the new positions.</summary>
    public Tensor forward(Tensor x, KeyValueCache? cache = null, int layer = 0)
    {
        using var scope = NewDisposeScope();
        Tensor[] qkv = c_attn.forward(x).chunk(3, -1);                          // 3 × (batch, len, hidden)
        Tensor q = MultiHeadAttention.SplitHeads(qkv[0], NumHeads);              // (batch·heads, len, d)
        Tensor k = MultiHeadAttention.SplitHeads(qkv[1], NumHeads);
        Tensor v = MultiHeadAttention.SplitHeads(qkv[2], NumHeads);
        if (cache is not null) (k, v) = cache.Append(layer, k, v);              // (batch·heads, cached + len, d)
        Tensor output = attention.forward(q, k, v, causal: true);                // (batch·heads, len, d)
        Tensor result = resid_dropout.forward(c_proj.forward(MultiHeadAttention.MergeHeads(output, NumHeads)));
        attention.AttentionWeights?.MoveToOuterDisposeScope();
        return result.MoveToOuterDisposeScope();
    }
}
