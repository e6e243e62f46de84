using TorchSharp;
using static TorchSharp.torch;

namespace TransformerSharp.Models.Vit;

/// <summary>
/// Where a ViT looks in one image: for every block and head, the &lt;cls&gt; token's attention over the patches, and the
/// attention rollout over all blocks; each map is (PatchesPerSide × PatchesPerSide), row-major from the top left.
/// </summary>
public sealed record VitAttention(int PatchesPerSide, float[][][] ClsAttention, float[] Rollout, float[] Probabilities);

public static class VitAttentionMaps
{
    /// <summary>Runs the model (eval mode, no gradients) on one image, (h, w) pixels in [0, 1], and reads its attention.</summary>
    public static VitAttention Compute(Vit model, Tensor pixels)
    {
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (logits, attention) = model.ForwardWithAttention(pixels.reshape(1, pixels.shape[^2], pixels.shape[^1]));
        int heads = model.Config.Heads;
        var perBlock = attention.Select(w => w.reshape(heads, w.shape[1], w.shape[2])).ToList();   // batch 1: (heads, T, T)
        float[][][] cls = perBlock.Select(w => Enumerable.Range(0, heads)
            .Select(h => w[h, 0, TensorIndex.Slice(1)].data<float>().ToArray()).ToArray()).ToArray();
        float[] rollout = Rollout(perBlock)[0, TensorIndex.Slice(1)].data<float>().ToArray();
        return new VitAttention(model.Config.PatchesPerSide, cls, rollout, logits.softmax(1)[0].data<float>().ToArray());
    }

    /// <summary>
    /// How much of a map falls on the object: the share of the map's mass on patches with any pixel above the threshold,
    /// and the share of such patches among all, which is what a map that ignored the image would score.
    /// </summary>
    public static (double massOnObject, double objectPatches) ObjectShare(float[] map, float[] pixels, int side, int patchesPerSide, float threshold = 0.1f)
    {
        int patch = side / patchesPerSide;
        double mass = 0, total = 0;
        int objectPatches = 0;
        for (int r = 0; r < patchesPerSide; r++)
            for (int c = 0; c < patchesPerSide; c++)
            {
                bool onObject = false;
                for (int y = r * patch; y < (r + 1) * patch && !onObject; y++)
                    for (int x = c * patch; x < (c + 1) * patch && !onObject; x++) onObject = pixels[y * side + x] > threshold;
                double value = map[r * patchesPerSide + c];
                total += value;
                if (onObject) { mass += value; objectPatches++; }
            }
        return (mass / total, objectPatches / (double)(patchesPerSide * patchesPerSide));
    }

    /// <summary>
    /// Attention rollout (Abnar and Zuidema 2020): per block, the heads' mean plus the identity (the residual path),
    /// rows normalised to sum to one; the blocks multiplied from the first to the last. (heads, T, T) per block → (T, T).
    /// </summary>
    public static Tensor Rollout(IReadOnlyList<Tensor> attentionPerBlock)
    {
        using var scope = NewDisposeScope();
        Tensor? rollout = null;
        foreach (Tensor weights in attentionPerBlock)
        {
            Tensor a = weights.mean(new long[] { 0 }) + eye(weights.shape[1], dtype: weights.dtype);
            a = a / a.sum(1, keepdim: true);
            rollout = rollout is null ? a : a.matmul(rollout);
        }
        return (rollout ?? throw new ArgumentException("no attention to roll out")).MoveToOuterDisposeScope();
    }
}
