using TorchSharp;
using TransformerSharp.Attention;
using TransformerSharp.Layers;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Layers;

public class TransformerBlockTests
{
    [Fact]
    public void FusedQkvEqualsMultiHeadAttentionWithCAttnSplit()
    {
        TestSupport.Seed(3);
        using var scope = NewDisposeScope();
        var fused = new FusedQkvAttention(12, 3, bias: true);
        var separate = new MultiHeadAttention(12, 3, bias: true);
        using (no_grad())
        {
            Tensor[] w = fused.QkvProjection.weight!.chunk(3, 0), b = fused.QkvProjection.bias!.chunk(3, 0);
            separate.QueryProjection.weight!.copy_(w[0]); separate.QueryProjection.bias!.copy_(b[0]);
            separate.KeyProjection.weight!.copy_(w[1]); separate.KeyProjection.bias!.copy_(b[1]);
            separate.ValueProjection.weight!.copy_(w[2]); separate.ValueProjection.bias!.copy_(b[2]);
            separate.OutputProjection.weight!.copy_(fused.OutputProjection.weight!);
            separate.OutputProjection.bias!.copy_(fused.OutputProjection.bias!);
        }
        Tensor x = randn(2, 5, 12);
        foreach (bool causal in new[] { false, true })
        {
            double gap = TestSupport.MaxAbsDiff(fused.SelfAttend(x, null, causal, null, 0, null), separate.SelfAttend(x, null, causal, null, 0, null));
            Assert.True(gap < 1e-6, $"causal {causal}: fused and split attention differ by {gap:E2}");
        }
    }

    [Fact]
    public void FusedQkvTrainingFastPathGivesTheSameOutputAndGradients()
    {
        TestSupport.Seed(5);
        using var scope = NewDisposeScope();
        var attention = new FusedQkvAttention(16, 4, bias: false);
        Tensor x = randn(3, 7, 16);
        (Tensor output, Tensor[] grads) Run(bool training)
        {
            attention.train(training);                                    // training, causal, no dropout: libtorch's SDPA
            attention.zero_grad();
            Tensor output = attention.SelfAttend(x, null, causal: true, null, 0, null);
            output.pow(2).sum().backward();
            return (output.detach(), attention.parameters().Select(p => p.grad!.clone()).ToArray());
        }
        var (fast, fastGrads) = Run(training: true);
        Assert.Null(attention.AttentionWeights);
        var (plain, plainGrads) = Run(training: false);
        Assert.NotNull(attention.AttentionWeights);
        Assert.True(TestSupport.MaxAbsDiff(fast, plain) < 1e-5, $"outputs differ by {TestSupport.MaxAbsDiff(fast, plain):E2}");
        for (int i = 0; i < fastGrads.Length; i++)
            Assert.True(TestSupport.MaxAbsDiff(fastGrads[i], plainGrads[i]) < 1e-4, $"gradient {i} differs by {TestSupport.MaxAbsDiff(fastGrads[i], plainGrads[i]):E2}");
    }

    [Fact]
    public void ScoreBiasIsAddedToEveryHeadsScoresBeforeTheSoftmax()
    {
        TestSupport.Seed(4);
        using var scope = NewDisposeScope();
        var attention = new MultiHeadAttention(8, 2);
        attention.eval();
        Tensor x = randn(1, 4, 8);
        // A very negative bias on the last two keys hides them exactly as valid lengths of 2 do.
        Tensor bias = zeros(1, 2, 4, 4);
        bias[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(2, null)] = tensor(-1e9f);
        Tensor hidden = attention.forward(x, x, x, scoreBias: bias);
        Tensor masked = attention.forward(x, x, x, validLens: tensor(new long[] { 2 }));
        Assert.True(TestSupport.MaxAbsDiff(hidden, masked) < 1e-6);
        // A bias that differs between heads changes only the head it is given to.
        Tensor perHead = zeros(1, 2, 4, 4);
        perHead[0, 1] = randn(4, 4);
        attention.forward(x, x, x);
        Tensor plain = attention.AttentionWeights!.clone();
        attention.forward(x, x, x, scoreBias: perHead);
        Tensor biased = attention.AttentionWeights!;
        Assert.True(TestSupport.MaxAbsDiff(plain[0], biased[0]) < 1e-7);
        Assert.True(TestSupport.MaxAbsDiff(plain[1], biased[1]) > 1e-3);
    }

    [Fact]
    public void RmsNormScalesByTheRootMeanSquareOnly()
    {
        using var scope = NewDisposeScope();
        var norm = new RmsNorm(4, eps: 1e-6);
        Tensor x = tensor(new float[] { 1, -2, 3, 4, 0.5f, 0.5f, 0.5f, 0.5f }).reshape(2, 4);
        float[] y = norm.forward(x).data<float>().ToArray();
        double rms = Math.Sqrt((1 + 4 + 9 + 16) / 4.0 + 1e-6);
        Assert.Equal(-2 / rms, y[1], 5);
        Assert.Equal(0.5 / Math.Sqrt(0.25 + 1e-6), y[4], 5);
        Assert.Single(norm.parameters());                                   // a scale, no bias
    }

    [Fact]
    public void PreAndPostNormBlocksComputeTheirFormulas()
    {
        TestSupport.Seed(5);
        using var scope = NewDisposeScope();
        Tensor x = randn(2, 3, 8);
        foreach (var position in new[] { NormPosition.Pre, NormPosition.Post })
        {
            var config = new BlockConfig(8, 2, 16, NormPosition: position, Norm: NormKind.RmsNorm, NormEps: 1e-6,
                                         Activation: Activation.GatedGelu, FfnBias: false, ScaleScores: false);
            var block = new TransformerBlock(config);
            block.eval();
            var modules = block.named_children().ToDictionary(c => c.name, c => c.module);
            var attentionNorm = (nn.Module<Tensor, Tensor>)modules["attention_norm"];
            var ffnNorm = (nn.Module<Tensor, Tensor>)modules["ffn_norm"];
            Tensor expected = position == NormPosition.Pre
                ? Residual(x, h => block.SelfAttention.SelfAttend(attentionNorm.forward(h), null, false, null, 0, null), h => block.FeedForward.forward(ffnNorm.forward(h)))
                : ffnNorm.forward(PostSum(attentionNorm.forward(x + block.SelfAttention.SelfAttend(x, null, false, null, 0, null)), block.FeedForward));
            Assert.True(TestSupport.MaxAbsDiff(block.forward(x), expected) < 1e-6, $"{position}-norm block");
            Assert.DoesNotContain(block.named_parameters(), p => p.name.StartsWith("ffn") && p.name.EndsWith("bias"));
            Assert.Contains(block.named_parameters(), p => p.name == "ffn.gate.weight");
        }

        static Tensor Residual(Tensor x, Func<Tensor, Tensor> attention, Func<Tensor, Tensor> ffn)
        {
            Tensor h = x + attention(x);
            return h + ffn(h);
        }
        static Tensor PostSum(Tensor h, FeedForward ffn) => h + ffn.forward(h);
    }
}
