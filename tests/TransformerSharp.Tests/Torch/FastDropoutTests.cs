using TorchSharp;
using TransformerSharp.Torch;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Torch;

public class FastDropoutTests
{
    [Fact]
    public void KeepsOneMinusPScaledAndDropsTheRest()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(5);
        const double p = 0.2;
        var dropout = new FastDropout(p);
        dropout.train();
        Tensor x = rand(1_000_000).add_(0.5);                               // no zeros of its own
        float[] input = x.data<float>().ToArray(), output = dropout.forward(x).data<float>().ToArray();
        int kept = 0;
        for (int i = 0; i < input.Length; i++)
        {
            if (output[i] == 0) continue;
            kept++;
            double expected = input[i] / (1 - p);
            Assert.True(Math.Abs(output[i] - expected) <= 1e-6 * expected, $"{output[i]} for {input[i]}");
        }
        // Binomial(10⁶, 0.8): standard deviation 400; five of them either side.
        Assert.InRange(kept, 800_000 - 2_000, 800_000 + 2_000);
    }

    [Fact]
    public void GradientIsTheMaskAndEvaluationPassesThrough()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(6);
        var dropout = new FastDropout(0.5);
        dropout.train();
        Tensor x = ones(1000).requires_grad_();
        Tensor y = dropout.forward(x);
        y.sum().backward();
        Assert.Equal(y.data<float>().ToArray(), x.grad!.data<float>().ToArray());     // d y_i / d x_i = mask_i · 2 = y_i here
        Assert.Contains(0f, y.data<float>().ToArray());
        Assert.Contains(2f, y.data<float>().ToArray());

        dropout.eval();
        Tensor z = randn(10);
        Assert.Equal(z.data<float>().ToArray(), dropout.forward(z).data<float>().ToArray());
        dropout.train();
        Assert.Equal(z.data<float>().ToArray(), new FastDropout(0).forward(z).data<float>().ToArray());
        Assert.All(new FastDropout(1).forward(z).data<float>().ToArray(), v => Assert.Equal(0f, v));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FastDropout(1.5));
    }

    [Fact]
    public void TheSameSeedGivesTheSameMask()
    {
        using var scope = NewDisposeScope();
        var dropout = new FastDropout(0.3);
        dropout.train();
        Tensor x = ones(200);
        TorchRuntime.Seed(9);
        float[] first = dropout.forward(x).data<float>().ToArray();
        TorchRuntime.Seed(9);
        Assert.Equal(first, dropout.forward(x).data<float>().ToArray());
    }

    [Fact]
    public void TheVectorisedMaskDrawsTheSameValuesAsOnePairAtATime()
    {
        var (vectorised, scalar) = (new uint[1_003], new uint[1_003]);          // not a multiple of any vector width
        DropoutMask.FillChunk(vectorised, seed: 77, cut: uint.MaxValue / 3, keep: 7, vectorised: true);
        DropoutMask.FillChunk(scalar, seed: 77, cut: uint.MaxValue / 3, keep: 7, vectorised: false);
        Assert.Equal(scalar, vectorised);
        Assert.All(vectorised, v => Assert.True(v is 0 or 7));
        Assert.InRange(vectorised.Count(v => v == 0), 280, 390);                 // Binomial(1003, 1/3): mean 334, sd 15
    }

    [Fact]
    public void TheMaskDependsOnTheSeedAloneNotOnTheThreads()
    {
        using var scope = NewDisposeScope();
        int threads = get_num_threads();
        try
        {
            float[] Draw(int n)
            {
                set_num_threads(n);
                TorchRuntime.Seed(3);
                return DropoutMask.Draw(new long[] { 3, 100_001 }, 0.25).data<float>().ToArray();    // several chunks and a tail
            }
            float[] one = Draw(1), two = Draw(2);
            Assert.Equal(one, two);
            Assert.All(one, v => Assert.True(v == 0 || v == 1 / 0.75f));
            // No chunk repeats another: compare the first 2¹⁶ elements with the next ones.
            Assert.NotEqual(one.Take(65_536), one.Skip(65_536).Take(65_536));
            TorchRuntime.Seed(4);
            Assert.NotEqual(one, DropoutMask.Draw(new long[] { 3, 100_001 }, 0.25).data<float>().ToArray());
        }
        finally { set_num_threads(threads); }
    }

    [Fact]
    public void NeighbouringElementsAreDrawnIndependently()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(8);
        float[] mask = DropoutMask.Draw(new long[] { 1_000_000 }, 0.5).data<float>().ToArray();
        // Keep both of a pair (the two halves of one 64-bit draw, and neighbours across draws) a quarter of the time.
        foreach (int lag in new[] { 1, 2, 16 })
        {
            int both = 0;
            for (int i = 0; i + lag < mask.Length; i += 2) both += mask[i] > 0 && mask[i + lag] > 0 ? 1 : 0;
            Assert.InRange(both / (double)(mask.Length / 2), 0.25 - 0.004, 0.25 + 0.004);   // sd 0.0006
        }
    }
}
