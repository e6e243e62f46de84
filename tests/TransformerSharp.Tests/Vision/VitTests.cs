using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using TorchSharp;
using TransformerSharp.Models;
using TransformerSharp.Models.LeNet;
using TransformerSharp.Models.Vit;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Vision;

public class VitTests
{
    static readonly VitConfig Small = new(ImageSize: 28, PatchSize: 7, Width: 32, Heads: 4, FfnWidth: 64, Layers: 2, Dropout: 0.1, EmbeddingDropout: 0.1,
                                          InputMean: 0.3, InputStd: 0.4, PositionStd: 0.5);

    [Fact]
    public void ShapesNamesAndD2LsInitialisation()
    {
        TestSupport.Seed(0);
        using var vit = new Vit(Small);
        using var pixels = rand(3, 28, 28);
        vit.eval();
        using var logits = vit.forward(pixels);
        Assert.Equal(new long[] { 3, 10 }, logits.shape);
        var parameters = vit.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(new long[] { 1, 17, 32 }, parameters["pos_embedding"].shape);        // 16 patches of 7×7, and <cls>
        Assert.Equal(0.0, parameters["cls_token"].abs().sum().item<float>());              // D2L: zeros at start
        Assert.Equal(new long[] { 32, 1, 7, 7 }, parameters["patch_embedding.weight"].shape);
        Assert.False(parameters.ContainsKey("blocks.0.attention.W_q.bias"));                // no biases in the attention
        Assert.True(parameters.ContainsKey("blocks.1.ffn.dense1.bias"));
        Assert.Equal(new long[] { 10, 32 }, parameters["head.weight"].shape);
    }

    [Fact]
    public void PatchEmbeddingIsALinearMapOfEachFlattenedPatch()
    {
        TestSupport.Seed(1);
        using var vit = new Vit(Small with { Layers = 1 });
        var p = vit.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        using var image = rand(1, 1, 28, 28);
        using var conv = nn.functional.conv2d(image, p["patch_embedding.weight"], p["patch_embedding.bias"], strides: new long[] { 7, 7 });
        // Patch (r, c) is rows 7r…7r+6, columns 7c…7c+6; flattened row-major, as the kernel's weights.
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++)
            {
                using var patch = image[0, 0, TensorIndex.Slice(7 * r, 7 * r + 7), TensorIndex.Slice(7 * c, 7 * c + 7)].reshape(49);
                using var byHand = p["patch_embedding.weight"].reshape(32, 49).matmul(patch) + p["patch_embedding.bias"];
                using var fromConv = conv[0, .., r, c];
                Assert.True(TestSupport.MaxAbsDiff(byHand, fromConv) < 1e-5);
            }
    }

    [SkippableFact]
    public void MatchesAPyTorchViTWithTheSameWeights()
    {
        string python = TestSupport.PythonWith("torch", "python3-torch", "VIT_REFERENCE_PYTHON");
        TestSupport.Seed(2);
        using var vit = new Vit(Small with { ImageSize = 32, PatchSize = 8 });   // 28 → 32 exercises the resize too
        vit.eval();
        string folder = TestSupport.TempFolder();
        var shapes = new JsonObject();
        foreach (var (name, parameter) in vit.named_parameters())
        {
            File.WriteAllBytes(Path.Combine(folder, name + ".bin"), MemoryMarshal.AsBytes(parameter.data<float>().ToArray().AsSpan()).ToArray());
            shapes[name] = new JsonArray(parameter.shape.Select(s => (JsonNode)s).ToArray());
        }
        var config = ConfigJson.ToJson(vit.Config);
        config["shapes"] = shapes;
        File.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString());
        using var images = rand(5, 28, 28);
        File.WriteAllBytes(Path.Combine(folder, "images.bin"), MemoryMarshal.AsBytes(images.data<float>().ToArray().AsSpan()).ToArray());
        var (code, _, errors) = TestSupport.RunPython(python, Path.Combine(TestSupport.RepositoryRoot, "tests", "TransformerSharp.Tests", "Vision", "vit_reference.py"), folder);
        Assert.True(code == 0, errors);

        var (logits, attention) = vit.ForwardWithAttention(images);
        float[] expected = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(folder, "logits.bin"))).ToArray();
        using var reference = tensor(expected).reshape(5, 10);
        Assert.True(TestSupport.MaxAbsDiff(logits, reference) < 1e-4, $"logits differ by {TestSupport.MaxAbsDiff(logits, reference)}");
        // The last block's <cls> row, averaged over heads, as nn.MultiheadAttention reports it.
        float[] cls = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(folder, "cls_attention.bin"))).ToArray();
        using var ours = attention[^1].reshape(5, 4, 17, 17).mean(new long[] { 1 })[.., 0, TensorIndex.Slice(1)];
        Assert.True(TestSupport.MaxAbsDiff(ours, tensor(cls).reshape(5, 16)) < 1e-5);
    }

    [Fact]
    public void RolloutMultipliesTheHeadAveragedAttentionPlusIdentity()
    {
        // Two blocks, two heads, three tokens; the expected rollout computed with plain arrays.
        var random = new Random(3);
        double[][,,] blocks = Enumerable.Range(0, 2).Select(_ => RandomAttention(random, heads: 2, tokens: 3)).ToArray();
        double[,]? expected = null;
        foreach (var w in blocks)
        {
            var a = new double[3, 3];
            for (int i = 0; i < 3; i++)
            {
                for (int j = 0; j < 3; j++) a[i, j] = (w[0, i, j] + w[1, i, j]) / 2 + (i == j ? 1 : 0);
                double sum = a[i, 0] + a[i, 1] + a[i, 2];
                for (int j = 0; j < 3; j++) a[i, j] /= sum;
            }
            expected = expected is null ? a : Multiply(a, expected);
        }
        var tensors = blocks.Select(b => tensor(b.Cast<double>().ToArray()).reshape(2, 3, 3)).ToList();
        using var rollout = VitAttentionMaps.Rollout(tensors);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                Assert.Equal(expected![i, j], rollout[i, j].item<double>(), 12);
    }

    [Fact]
    public void AttentionMapsCoverEveryHeadOfEveryBlockAndSumToOne()
    {
        TestSupport.Seed(4);
        using var vit = new Vit(Small);
        using var image = rand(28, 28);
        var maps = VitAttentionMaps.Compute(vit, image);
        Assert.Equal(4, maps.PatchesPerSide);
        Assert.Equal(2, maps.ClsAttention.Length);
        Assert.All(maps.ClsAttention, block => Assert.Equal(4, block.Length));
        // <cls> attends to itself and the 16 patches; the patches' share is below one, and positive.
        Assert.All(maps.ClsAttention.SelectMany(b => b), head => Assert.InRange(head.Sum(), 0.01, 1.0));
        Assert.Equal(16, maps.Rollout.Length);
        Assert.Equal(1.0, maps.Probabilities.Sum(), 4);
    }

    [Fact]
    public void ObjectShareCountsTheMapsMassOnPatchesShowingTheObject()
    {
        // A 4×4 image in 2×2 patches; the object lights one pixel of the top-left patch and one of the bottom-right.
        var pixels = new float[16];
        pixels[0] = 1f;
        pixels[15] = 0.5f;
        float[] map = { 0.1f, 0.2f, 0.3f, 0.4f };
        var (mass, area) = VitAttentionMaps.ObjectShare(map, pixels, side: 4, patchesPerSide: 2);
        Assert.Equal(0.5, mass, 6);                                                 // (0.1 + 0.4) / 1.0
        Assert.Equal(0.5, area, 6);
    }

    [Fact]
    public void LeNetClassifiesImagesOfAnySupportedSize()
    {
        TestSupport.Seed(5);
        using var lenet = new LeNet(new LeNetConfig(BatchNorm: true, Dropout: 0.2));
        using var logits = lenet.forward(rand(4, 28, 28));
        Assert.Equal(new long[] { 4, 10 }, logits.shape);
        Assert.Throws<UserError>(() => new Vit(Small with { PatchSize = 5 }));
    }

    static double[,,] RandomAttention(Random random, int heads, int tokens)
    {
        var w = new double[heads, tokens, tokens];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < tokens; i++)
            {
                double[] row = Enumerable.Range(0, tokens).Select(_ => random.NextDouble() + 0.1).ToArray();
                for (int j = 0; j < tokens; j++) w[h, i, j] = row[j] / row.Sum();
            }
        return w;
    }

    static double[,] Multiply(double[,] a, double[,] b)
    {
        int n = a.GetLength(0);
        var c = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                for (int k = 0; k < n; k++) c[i, j] += a[i, k] * b[k, j];
        return c;
    }
}
