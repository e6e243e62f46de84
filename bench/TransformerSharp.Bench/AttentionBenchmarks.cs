using TorchSharp;
using TransformerSharp.Attention;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Bench;

/// <summary>A workload shape: batch × length tokens of width hidden through one multi-head attention layer.</summary>
public sealed record AttentionShape(string Name, int Batch, int Length, int Hidden, int Heads)
{
    public long Tokens => (long)Batch * Length;
    public override string ToString() => $"{Name}: batch {Batch} × {Length} tokens, width {Hidden}, {Heads} heads";
}

public sealed record Measurement(string Workload, string Variant, int Threads, double Seconds, long Tokens)
{
    public double TokensPerSecond => Tokens / Seconds;
}

public static class AttentionBenchmarks
{
    public static readonly AttentionShape[] Shapes =
    {
        new("d2l-transformer", 128, 10, 256, 4),
        new("nanogpt-char-cpu", 12, 64, 128, 4),
        new("long-context", 4, 256, 256, 8),
    };

    /// <summary>One training step (forward, backward) of our multi-head attention, causal self-attention.</summary>
    public static Measurement OursTrainingStep(AttentionShape shape, int threads)
    {
        TorchRuntime.ConfigureThreads(threads);
        TorchRuntime.Seed(0);
        var attention = new MultiHeadAttention(shape.Hidden, shape.Heads, bias: true);
        using Tensor x = randn(shape.Batch, shape.Length, shape.Hidden);
        double seconds = Timing.MedianSeconds(() =>
        {
            using var scope = NewDisposeScope();
            attention.zero_grad();
            attention.forward(x, x, x, causal: true).square().mean().backward();
        });
        return new Measurement(shape.Name, "ours MHA train", threads, seconds, shape.Tokens);
    }

    /// <summary>The same step through TorchSharp's nn.MultiheadAttention holding the same weights.</summary>
    public static Measurement TorchTrainingStep(AttentionShape shape, int threads)
    {
        TorchRuntime.ConfigureThreads(threads);
        TorchRuntime.Seed(0);
        var ours = new MultiHeadAttention(shape.Hidden, shape.Heads, bias: true);
        var reference = TorchReference.MultiheadAttentionLike(ours, bias: true);
        using Tensor x = randn(shape.Batch, shape.Length, shape.Hidden);
        using Tensor forbidden = ones(shape.Length, shape.Length, ScalarType.Bool).triu(1);
        double seconds = Timing.MedianSeconds(() =>
        {
            using var scope = NewDisposeScope();
            reference.zero_grad();
            TorchReference.Forward(reference, x, x, x, forbidden: forbidden).output.square().mean().backward();
        });
        return new Measurement(shape.Name, "torch MHA train", threads, seconds, shape.Tokens);
    }

    /// <summary>Inference only: our DotProductAttention against libtorch's fused scaled_dot_product_attention.</summary>
    public static (Measurement ours, Measurement torch) ScaledDotProduct(AttentionShape shape, int threads)
    {
        TorchRuntime.ConfigureThreads(threads);
        var attention = new DotProductAttention();
        long heads = shape.Heads, d = shape.Hidden / shape.Heads;
        using Tensor q = randn(shape.Batch * heads, shape.Length, d);
        using var noGrad = no_grad();
        double ours = Timing.MedianSeconds(() => { using var s = NewDisposeScope(); attention.forward(q, q, q, causal: true); });
        double fused = Timing.MedianSeconds(() => { using var s = NewDisposeScope(); TorchReference.ScaledDotProductAttention(q, q, q, causal: true); });
        return (new Measurement(shape.Name, "ours attention infer", threads, ours, shape.Tokens),
                new Measurement(shape.Name, "torch SDPA infer", threads, fused, shape.Tokens));
    }
}
