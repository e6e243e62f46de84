using TorchSharp;
using TransformerSharp.Attention;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Attention;

public class DotProductAttentionTests
{
    [Fact]
    public void HandComputedCase()
    {
        using var scope = NewDisposeScope();
        var attention = new DotProductAttention();
        Tensor q = tensor(new float[] { 1, 0 }).reshape(1, 1, 2);
        Tensor k = tensor(new float[] { 1, 0, 0, 1 }).reshape(1, 2, 2);
        Tensor v = tensor(new float[] { 1, 2, 3, 4 }).reshape(1, 2, 2);
        Tensor output = attention.forward(q, k, v);
        // Scores 1/√2 and 0; softmax gives w and 1 - w.
        double w = Math.Exp(1 / Math.Sqrt(2)) / (Math.Exp(1 / Math.Sqrt(2)) + 1);
        float[] o = output.data<float>().ToArray();
        Assert.Equal(w * 1 + (1 - w) * 3, o[0], 5);
        Assert.Equal(w * 2 + (1 - w) * 4, o[1], 5);
        Assert.Equal(w, attention.AttentionWeights!.data<float>()[0], 5);
    }

    [Fact]
    public void D2LShapesAndMaskedKeysGetZeroWeight()
    {
        TestSupport.Seed(2);
        using var scope = NewDisposeScope();
        // D2L 11.3.3: queries (2, 1, 2), keys (2, 10, 2), values (2, 10, 4), valid lengths (2, 6).
        Tensor queries = normal(0, 1, new long[] { 2, 1, 2 });
        Tensor keys = normal(0, 1, new long[] { 2, 10, 2 });
        Tensor values = normal(0, 1, new long[] { 2, 10, 4 });
        Tensor validLens = tensor(new long[] { 2, 6 });
        var attention = new DotProductAttention(dropout: 0.5);
        attention.eval();
        Tensor output = attention.forward(queries, keys, values, validLens);
        Assert.Equal(new long[] { 2, 1, 4 }, output.shape);
        Tensor weights = attention.AttentionWeights!;
        Assert.Equal(0.0, weights[0, 0, TensorIndex.Slice(2, null)].abs().max().item<float>());
        Assert.Equal(0.0, weights[1, 0, TensorIndex.Slice(6, null)].abs().max().item<float>());
        // Changing masked values must not change the output.
        Tensor changed = values.clone();
        changed[0, TensorIndex.Slice(2, null)] = tensor(1000f);
        changed[1, TensorIndex.Slice(6, null)] = tensor(-1000f);
        Assert.Equal(0.0, TestSupport.MaxAbsDiff(output, attention.forward(queries, keys, changed, validLens)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MatchesTorchScaledDotProductAttention(bool causal)
    {
        TestSupport.Seed(3);
        using var scope = NewDisposeScope();
        Tensor q = randn(3, 5, 8), k = randn(3, 5, 8), v = randn(3, 5, 6);
        Tensor validLens = tensor(new long[] { 5, 3, 1 });
        var attention = new DotProductAttention();
        Tensor ours = attention.forward(q, k, v, validLens, causal);
        Tensor keep = MaskedSoftmax.KeepMask(zeros(3, 5, 5), validLens, causal)!;
        Tensor theirs = TorchReference.ScaledDotProductAttention(q, k, v, keep);
        Assert.True(TestSupport.MaxAbsDiff(ours, theirs) <= 1e-5, $"max error {TestSupport.MaxAbsDiff(ours, theirs)}");
        if (causal)
        {
            Tensor ourCausal = attention.forward(q, k, v, causal: true);
            Tensor torchCausal = TorchReference.ScaledDotProductAttention(q, k, v, causal: true);
            Assert.True(TestSupport.MaxAbsDiff(ourCausal, torchCausal) <= 1e-5);
        }
    }

    [Fact]
    public void DropoutActsOnWeightsOnlyInTraining()
    {
        TestSupport.Seed(4);
        using var scope = NewDisposeScope();
        var attention = new DotProductAttention(dropout: 0.5);
        Tensor q = randn(1, 4, 8), k = randn(1, 6, 8), v = randn(1, 6, 8);
        attention.eval();
        Tensor evalOutput = attention.forward(q, k, v);
        Tensor evalAgain = attention.forward(q, k, v);
        Assert.Equal(0.0, TestSupport.MaxAbsDiff(evalOutput, evalAgain));
        attention.train();
        Tensor trainOutput = attention.forward(q, k, v);
        Assert.True(TestSupport.MaxAbsDiff(evalOutput, trainOutput) > 1e-3);
    }
}

public class KeyValueCacheTests
{
    [Fact]
    public void ClearEmptiesTheCacheForReuse()
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var cache = new TransformerSharp.Attention.KeyValueCache(2);
        var k = TorchSharp.torch.ones(4, 3, 2);
        cache.Append(0, k, k);
        cache.Append(1, k, k);
        Assert.Equal(3, cache.Length);
        cache.Clear();
        Assert.Equal(0, cache.Length);
        var (keys, _) = cache.Append(0, k, k);
        Assert.Equal(new long[] { 4, 3, 2 }, keys.shape);
    }
}
