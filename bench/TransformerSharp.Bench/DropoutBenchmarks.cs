using TorchSharp;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Bench;

/// <summary>
/// Dropout, forward and backward, at p = 0.1: libtorch's (bernoulli_), the mask from rand_like (FastDropout before
/// DropoutMask), and FastDropout now. Shapes: T5 dialogsum-cpu's attention weights and activations, D2L's translator.
/// </summary>
public static class DropoutBenchmarks
{
    public static readonly (string Name, long[] Shape)[] Shapes =
    {
        ("t5 attention weights 16×8×192×192", new long[] { 16, 8, 192, 192 }),
        ("t5 activations 16×192×256", new long[] { 16, 192, 256 }),
        ("d2l activations 128×10×256", new long[] { 128, 10, 256 }),
    };

    public static readonly string[] Variants = { "torch dropout", "rand_like mask", "FastDropout" };

    public static double Seconds(long[] shape, string variant, int threads)
    {
        TorchRuntime.ConfigureThreads(threads);
        TorchRuntime.Seed(0);
        using Tensor x = randn(shape).requires_grad_();
        using var ours = new FastDropout(0.1);
        using Scalar p = 0.1.ToScalar(), scale = (1 / 0.9).ToScalar();
        Func<Tensor, Tensor> dropout = variant switch
        {
            "torch dropout" => input => nn.functional.dropout(input, 0.1, training: true),
            "rand_like mask" => input => input.mul(rand_like(input).ge_(p).mul_(scale)),
            "FastDropout" => ours.forward,
            _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, null),
        };
        return Timing.MedianSeconds(() =>
        {
            using var scope = NewDisposeScope();
            x.grad?.zero_();
            dropout(x).sum().backward();
        });
    }
}
