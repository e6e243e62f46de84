using TorchSharp;
using TransformerSharp.Attention;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Attention;

public class MultiHeadAttentionTests
{
    [Fact]
    public void D2LShapes()
    {
        TestSupport.Seed(7);
        using var scope = NewDisposeScope();
        // D2L 11.5.3: 100 hidden, 5 heads, batch 2, 4 queries, 6 key-value pairs.
        var attention = new MultiHeadAttention(numHiddens: 100, numHeads: 5, dropout: 0.5);
        attention.eval();
        Tensor x = ones(2, 4, 100), y = ones(2, 6, 100);
        Tensor output = attention.forward(x, y, y, tensor(new long[] { 3, 2 }));
        Assert.Equal(new long[] { 2, 4, 100 }, output.shape);
        Assert.Equal(new long[] { 10, 4, 6 }, attention.AttentionWeights!.shape);
    }

    [Fact]
    public void SplitAndMergeHeadsAreInverses()
    {
        using var scope = NewDisposeScope();
        Tensor x = arange(2 * 3 * 8, dtype: ScalarType.Float32).reshape(2, 3, 8);
        Tensor split = MultiHeadAttention.SplitHeads(x, 4);
        Assert.Equal(new long[] { 8, 3, 2 }, split.shape);
        // Head 1 of batch 0 holds features 2..3 of every position.
        Assert.Equal(new float[] { 2, 3, 10, 11, 18, 19 }, split[1].data<float>().ToArray());
        Assert.Equal(0.0, TestSupport.MaxAbsDiff(MultiHeadAttention.MergeHeads(split, 4), x));
    }

    public static IEnumerable<object[]> Cases()
    {
        foreach (bool bias in new[] { false, true })
        {
            yield return new object[] { bias, "none" };
            yield return new object[] { bias, "padding" };
            yield return new object[] { bias, "causal" };
            yield return new object[] { bias, "padding+causal" };
            yield return new object[] { bias, "cross" };
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTorchMultiheadAttentionWithTheSameWeights(bool bias, string mask)
    {
        TestSupport.Seed(8);
        using var scope = NewDisposeScope();
        const int batch = 3, heads = 4, hidden = 16;
        long queries = 5, keys = mask == "cross" ? 7 : 5;
        var ours = new MultiHeadAttention(hidden, heads, bias: bias);
        if (bias)
            foreach (var (_, parameter) in ours.named_parameters().Where(p => p.name.EndsWith("bias")))
                using (no_grad()) parameter.normal_(0, 0.5);        // zero biases would hide a mistake
        var reference = TorchReference.MultiheadAttentionLike(ours, bias);

        Tensor q = randn(batch, queries, hidden), kv = randn(batch, keys, hidden);
        Tensor validLens = tensor(new long[] { keys, 3, 1 });
        bool padding = mask.Contains("padding") || mask == "cross", causal = mask.Contains("causal");
        Tensor ourOutput = ours.forward(q, kv, kv, padding ? validLens : null, causal);
        Tensor ourWeights = ours.AttentionWeights!.reshape(batch, heads, queries, keys).mean(new long[] { 1 });

        Tensor? keyPadding = padding ? arange(keys).unsqueeze(0).ge(validLens.unsqueeze(1)) : null;   // true = ignore
        Tensor? forbidden = causal ? ones(queries, keys, ScalarType.Bool).triu(1) : null;           // true = forbidden
        var (theirOutput, theirWeights) = TorchReference.Forward(reference, q, kv, kv, keyPadding, forbidden);

        Assert.True(TestSupport.MaxAbsDiff(ourOutput, theirOutput) <= 1e-5, $"output error {TestSupport.MaxAbsDiff(ourOutput, theirOutput)}");
        Assert.True(TestSupport.MaxAbsDiff(ourWeights, theirWeights) <= 1e-5, $"weights error {TestSupport.MaxAbsDiff(ourWeights, theirWeights)}");
    }

    [Fact]
    public void MaskedKeysReceiveZeroWeightAndDoNotChangeTheOutput()
    {
        TestSupport.Seed(9);
        using var scope = NewDisposeScope();
        var attention = new MultiHeadAttention(12, 3);
        Tensor q = randn(2, 4, 12), kv = randn(2, 6, 12);
        Tensor validLens = tensor(new long[] { 6, 2 });
        Tensor output = attention.forward(q, kv, kv, validLens);
        Tensor weights = attention.AttentionWeights!.reshape(2, 3, 4, 6);
        Assert.Equal(0.0, weights[1, TensorIndex.Ellipsis, TensorIndex.Slice(2, null)].abs().max().item<float>());
        Tensor changed = kv.clone();
        changed[1, TensorIndex.Slice(2, null)] = randn(4, 12) * 100;
        Assert.Equal(0.0, TestSupport.MaxAbsDiff(output[1], attention.forward(q, changed, changed, validLens)[1]));
    }

    [Fact]
    public void CausalOutputsDoNotDependOnLaterPositions()
    {
        TestSupport.Seed(10);
        using var scope = NewDisposeScope();
        var attention = new MultiHeadAttention(8, 2);
        Tensor x = randn(1, 5, 8);
        Tensor output = attention.forward(x, x, x, causal: true);
        Tensor changed = x.clone();
        changed[0, 4] = randn(8);
        Tensor again = attention.forward(changed, changed, changed, causal: true);
        Assert.Equal(0.0, TestSupport.MaxAbsDiff(output[0, TensorIndex.Slice(0, 4)], again[0, TensorIndex.Slice(0, 4)]));
        Assert.True(TestSupport.MaxAbsDiff(output[0, 4], again[0, 4]) > 1e-4);
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        TestSupport.Seed(11);
        using var scope = NewDisposeScope();
        var attention = new MultiHeadAttention(4, 2, bias: true);
        attention.to(ScalarType.Float64);
        Tensor q = randn(1, 3, 4, ScalarType.Float64), kv = randn(1, 3, 4, ScalarType.Float64);
        Tensor probe = randn(1, 3, 4, ScalarType.Float64);
        Tensor validLens = tensor(new long[] { 2 });
        Func<double> loss = () => { using var s = NewDisposeScope(); return (attention.forward(q, kv, kv, validLens, causal: true) * probe).sum().item<double>(); };

        (attention.forward(q, kv, kv, validLens, causal: true) * probe).sum().backward();
        const double h = 1e-6;
        foreach (var (name, parameter) in attention.named_parameters())
        {
            double[] grad = parameter.grad!.data<double>().ToArray();
            for (int i = 0; i < Math.Min(4, grad.Length); i++)
            {
                double original;
                using (no_grad())
                {
                    original = parameter.view(-1)[i].item<double>();
                    parameter.view(-1)[i] = tensor(original + h);
                }
                double up = loss();
                using (no_grad()) parameter.view(-1)[i] = tensor(original - h);
                double down = loss();
                using (no_grad()) parameter.view(-1)[i] = tensor(original);
                double numeric = (up - down) / (2 * h);
                Assert.True(Math.Abs(numeric - grad[i]) < 1e-6, $"{name}[{i}]: autograd {grad[i]}, finite difference {numeric}");
            }
        }
    }

    [Fact]
    public void RejectsHiddenSizeNotDivisibleByHeads()
    {
        Assert.Throws<ArgumentException>(() => new MultiHeadAttention(10, 3));
    }
}
