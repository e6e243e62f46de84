using TransformerSharp.Data;
using TransformerSharp.Models.Vit;
using static TorchSharp.torch;

namespace TransformerSharp.Plots;

/// <summary>Where a ViT looks in one 28×28 image: the &lt;cls&gt; token's attention per block and head, and the rollout.</summary>
public static class VitAttentionPlots
{
    /// <summary>Writes the per-head and rollout PNGs; returns them and the rollout's share on the garment against its area.</summary>
    public static (string[] files, double mass, double area) Save(string folder, Vit vit, float[] pixels, string name, IReadOnlyList<string> classes)
    {
        using var input = tensor(pixels, new long[] { FashionMnist.Side, FashionMnist.Side });
        VitAttention maps = VitAttentionMaps.Compute(vit, input);
        int side = maps.PatchesPerSide, best = Array.IndexOf(maps.Probabilities, maps.Probabilities.Max());
        string prediction = $"{classes[best]} {maps.Probabilities[best]:P0}";
        var heads = new List<ImagePanel>();
        for (int b = 0; b < maps.ClsAttention.Length; b++)
        {
            heads.Add(new ImagePanel(pixels, FashionMnist.Side, $"block {b + 1}: the image"));
            for (int h = 0; h < maps.ClsAttention[b].Length; h++)
                heads.Add(new ImagePanel(pixels, FashionMnist.Side, $"block {b + 1}, head {h + 1}", maps.ClsAttention[b][h], side));
        }
        string headsPath = Path.Combine(folder, "attention-heads.png");
        ImagePanels.Save(headsPath, heads, columns: vit.Config.Heads + 1, title: $"{name}, predicted {prediction}: <cls> attention over the patches, per block and head");
        string rolloutPath = Path.Combine(folder, "attention-rollout.png");
        ImagePanels.Save(rolloutPath, new[]
        {
            new ImagePanel(pixels, FashionMnist.Side, name),
            new ImagePanel(pixels, FashionMnist.Side, $"rollout, {vit.Config.Layers} blocks", maps.Rollout, side),
        }, columns: 2, title: $"attention rollout: {prediction}", cell: 220);
        var (mass, area) = VitAttentionMaps.ObjectShare(maps.Rollout, pixels, FashionMnist.Side, side);
        return (new[] { headsPath, rolloutPath }, mass, area);
    }
}
