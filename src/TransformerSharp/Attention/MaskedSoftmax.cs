using TorchSharp;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Attention;

/// <summary>
/// D2L 11.3.2: softmax over the last axis that ignores keys past each row's valid length.
/// Masked logits are filled with -1e6 rather than -inf, so a row whose keys are all masked becomes uniform, never NaN.
/// </summary>
public static class MaskedSoftmax
{
    public const double MaskedValue = -1e6;

    /// <summary>
    /// <paramref name="scores"/>: (batch, queries, keys). <paramref name="validLens"/>: null, (batch) — one length
    /// per batch row — or (batch, queries) — one per query. <paramref name="causal"/> also hides keys after each
    /// query; when there are fewer queries than keys, the queries are the last ones (as with cached keys).
    /// </summary>
    public static Tensor Apply(Tensor scores, Tensor? validLens = null, bool causal = false)
    {
        using Tensor? keep = KeepMask(scores, validLens, causal);
        if (keep is null) return scores.softmax(-1);
        using Tensor masked = keep.logical_not();
        using Tensor filled = scores.Fill(masked, MaskedValue);
        return filled.softmax(-1);
    }

    /// <summary>
    /// True where a (query, key) pair may attend; null when nothing is masked. Shaped (batch or 1, queries or 1, keys):
    /// broadcast against the scores rather than built at their full size, which would cost a step several copies.
    /// </summary>
    public static Tensor? KeepMask(Tensor scores, Tensor? validLens, bool causal)
    {
        if (validLens is null && !causal) return null;
        long batch = scores.shape[0], queries = scores.shape[1], keys = scores.shape[2];
        using var scope = NewDisposeScope();
        Tensor keyIndex = Scalars.Range(0, keys, scores.device).reshape(1, 1, keys);          // (1, 1, keys)
        Tensor? keep = null;
        if (validLens is not null)
        {
            Tensor lens = validLens.dim() switch
            {
                1 => validLens.reshape(batch, 1, 1),                                           // (batch, 1, 1)
                2 => validLens.reshape(batch, queries, 1),                                     // (batch, queries, 1)
                _ => throw new ArgumentException($"valid lengths must be 1-D or 2-D, got shape [{string.Join(", ", validLens.shape)}]"),
            };
            keep = keyIndex.lt(lens.to(keyIndex.dtype));                                      // (batch, 1 or queries, keys)
        }
        if (causal)
        {
            // Query i sits at absolute position (keys - queries + i) and sees keys up to that position.
            Tensor queryPosition = Scalars.Range(keys - queries, keys, scores.device).reshape(1, queries, 1);
            Tensor seen = keyIndex.le(queryPosition);                                          // (1, queries, keys)
            keep = keep is null ? seen : keep.logical_and(seen);
        }
        return keep!.MoveToOuterDisposeScope();
    }
}
