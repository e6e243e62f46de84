using TorchSharp;
using TransformerSharp.Attention;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Attention;

public class MaskedSoftmaxTests
{
    [Fact]
    public void OneLengthPerBatchRowZeroesTheRest()
    {
        TestSupport.Seed(1);
        using var scope = NewDisposeScope();
        // D2L 11.3.2: masked_softmax(torch.rand(2, 2, 4), torch.tensor([2, 3])).
        Tensor scores = rand(2, 2, 4);
        Tensor weights = MaskedSoftmax.Apply(scores, tensor(new long[] { 2, 3 }));
        Assert.Equal(new long[] { 2, 2, 4 }, weights.shape);
        float[] w = weights.data<float>().ToArray();
        for (int q = 0; q < 2; q++)
        {
            Assert.Equal(0f, w[q * 4 + 2]);
            Assert.Equal(0f, w[q * 4 + 3]);
            Assert.Equal(0f, w[8 + q * 4 + 3]);
        }
        Assert.True(TestSupport.MaxAbsDiff(weights.sum(-1), ones(2, 2)) < 1e-6);
        // Unmasked entries are the softmax over the valid keys only, by hand.
        float[] s = scores.data<float>().ToArray();
        double e0 = Math.Exp(s[0]), e1 = Math.Exp(s[1]);
        Assert.Equal(e0 / (e0 + e1), w[0], 5);
    }

    [Fact]
    public void OneLengthPerQuery()
    {
        using var scope = NewDisposeScope();
        Tensor scores = zeros(2, 2, 4);
        Tensor weights = MaskedSoftmax.Apply(scores, tensor(new long[,] { { 1, 3 }, { 2, 4 } }));
        float[] expected =
        {
            1, 0, 0, 0,   1 / 3f, 1 / 3f, 1 / 3f, 0,
            0.5f, 0.5f, 0, 0,   0.25f, 0.25f, 0.25f, 0.25f,
        };
        Assert.Equal(expected, weights.data<float>().ToArray(), new FloatTolerance(1e-6f));
    }

    [Fact]
    public void AllMaskedRowIsUniformNotNaN()
    {
        using var scope = NewDisposeScope();
        Tensor weights = MaskedSoftmax.Apply(randn(2, 3, 5), tensor(new long[] { 0, 5 }));
        float[] w = weights.data<float>().ToArray();
        Assert.DoesNotContain(w, float.IsNaN);
        Assert.All(w.Take(15), v => Assert.Equal(0.2f, v, 6));
    }

    [Fact]
    public void CausalMaskHidesLaterKeysAndAlignsQueriesToTheEnd()
    {
        using var scope = NewDisposeScope();
        Tensor full = MaskedSoftmax.Apply(zeros(1, 3, 3), causal: true);
        float[] expected = { 1, 0, 0, 0.5f, 0.5f, 0, 1 / 3f, 1 / 3f, 1 / 3f };
        Assert.Equal(expected, full.data<float>().ToArray(), new FloatTolerance(1e-6f));
        // One query over three keys (the cached case): it is the last position and sees every key.
        Tensor last = MaskedSoftmax.Apply(zeros(1, 1, 3), causal: true);
        Assert.Equal(new[] { 1 / 3f, 1 / 3f, 1 / 3f }, last.data<float>().ToArray(), new FloatTolerance(1e-6f));
    }

    [Fact]
    public void RejectsThreeDimensionalLengths()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => MaskedSoftmax.Apply(zeros(1, 2, 2), zeros(1, 2, 2, ScalarType.Int64)));
    }
}

public sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
{
    public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;
    public int GetHashCode(float obj) => 0;
}
