using TorchSharp;
using TransformerSharp.Torch;
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

    /// <summary>Keeps, for each batch row, the cache of row indices[i] (beam search reorders hypotheses this way).</summary>
    public void Reorder(Tensor batchIndices, int heads)
    {
        using var scope = NewDisposeScope();
        // Rows are batch-major (batch · heads): row b·heads + h.
        Tensor rows = batchIndices.unsqueeze(1).Times(heads).Plus(Scalars.Range(0, heads, batchIndices.device).unsqueeze(0)).reshape(-1);
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

    /// <summary>Empties the cache (frees its tensors); it can be filled again.</summary>
    public void Clear()
    {
        foreach (Tensor? t in keys.Concat(values)) t?.Dispose();
        Array.Clear(keys);
        Array.Clear(values);
    }

    public void Dispose() => Clear();
}
