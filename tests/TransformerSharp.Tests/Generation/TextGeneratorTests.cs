using TorchSharp;
using TransformerSharp.Generation;
using TransformerSharp.Models.Bert;
using TransformerSharp.Models.Gpt;
using TransformerSharp.Models.Translator;
using TransformerSharp.Text;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Generation;

public class TextGeneratorTests
{
    static Gpt RandomModel(int context, long seed)
    {
        TestSupport.Seed(seed);
        var model = new Gpt(new GptConfig(Layers: 2, Heads: 2, Width: 32, MaxPositions: context, VocabSize: 13));
        // Larger weights than the N(0, 0.02) start, so greedy choices are far from ties and the test is sharp.
        using (no_grad()) foreach (var p in model.parameters()) if (p.dim() >= 2) p.normal_(0, 0.3);
        model.eval();
        return model;
    }

    [Theory]
    [InlineData(64, 40)]      // stays within the context
    [InlineData(16, 40)]      // runs past it: the cached path must fall back to the same window
    public void CachedGreedyDecodingEqualsFullRecomputation(int context, int newTokens)
    {
        var model = RandomModel(context, 30);
        int[] prompt = { 1, 5, 7, 2, 9 };
        var cached = TextGenerator.GenerateIds(model, prompt, new SamplingOptions(newTokens, Temperature: 0, UseCache: true));
        var full = TextGenerator.GenerateIds(model, prompt, new SamplingOptions(newTokens, Temperature: 0, UseCache: false));
        Assert.Equal(full, cached);
        Assert.Equal(newTokens, cached.Count);
        Assert.True(cached.Distinct().Count() > 1);
    }

    [Fact]
    public void CachedLogitsMatchRecomputedLogits()
    {
        var model = RandomModel(32, 31);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor ids = randint(0, 13, new long[] { 1, 10 });
        Tensor full = model.forward(ids);
        using var cache = model.NewCache();
        model.forward(ids[TensorIndex.Colon, TensorIndex.Slice(0, 6)], cache);
        for (int t = 6; t < 10; t++)
        {
            Tensor step = model.forward(ids[TensorIndex.Colon, TensorIndex.Slice(t, t + 1)], cache);
            Assert.True(TestSupport.MaxAbsDiff(step[0, 0], full[0, t]) < 1e-5);
        }
        Assert.Equal(10, cache.Length);
    }

    [Fact]
    public void SamplingIsSeededAndTopKRestricts()
    {
        var model = RandomModel(32, 32);
        int[] prompt = { 3 };
        var a = TextGenerator.GenerateIds(model, prompt, new SamplingOptions(30, Temperature: 1.0, Seed: 5));
        var b = TextGenerator.GenerateIds(model, prompt, new SamplingOptions(30, Temperature: 1.0, Seed: 5));
        var c = TextGenerator.GenerateIds(model, prompt, new SamplingOptions(30, Temperature: 1.0, Seed: 6));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        var topOne = TextGenerator.GenerateIds(model, prompt, new SamplingOptions(30, Temperature: 1.0, TopK: 1, Seed: 7));
        Assert.Equal(TextGenerator.GenerateIds(model, prompt, new SamplingOptions(30, Temperature: 0)), topOne);
    }

    [Fact]
    public void TopPKeepsTheSmallestNucleus()
    {
        using var scope = NewDisposeScope();
        Tensor logits = tensor(new double[] { Math.Log(0.5), Math.Log(0.3), Math.Log(0.15), Math.Log(0.05) });
        var generator = new Generator(1);
        var seen = Enumerable.Range(0, 300).Select(_ => TextGenerator.Choose(logits, new SamplingOptions(TopP: 0.7), generator)).ToHashSet();
        Assert.Equal(new HashSet<int> { 0, 1 }, seen);                     // 0.5 + 0.3 reaches 0.7
    }

    [Fact]
    public void LongPromptIsCroppedWithAWarningAndStopStringsStop()
    {
        var model = RandomModel(8, 33);
        var tokenizer = new CharTokenizer("abcdefghijklm");
        var warnings = new List<string>();
        var pieces = new List<string>();
        string all = TextGenerator.Generate(model, tokenizer, "abcdefghijklmabc", new SamplingOptions(20, Temperature: 0), pieces.Add, warnings.Add);
        Assert.Single(warnings);
        Assert.Contains("keeping the last 8", warnings[0]);
        Assert.Equal(all, string.Concat(pieces));
        Assert.Equal(20, all.Length);
        string stop = all.Substring(5, 2);
        string stopped = TextGenerator.Generate(model, tokenizer, "abcdefghijklmabc", new SamplingOptions(20, Temperature: 0, StopStrings: new[] { stop }));
        Assert.Equal(all[..all.IndexOf(stop, StringComparison.Ordinal)], stopped);
    }
}
