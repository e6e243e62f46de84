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
}
