using TorchSharp;
using TransformerSharp.Attention;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Attention;

public class PositionalEncodingTests
{
    [Theory]
    [InlineData(32)]
    [InlineData(7)]
    public void TableHoldsSinesAndCosinesOfPositionOverFrequency(int hidden)
    {
        using var scope = NewDisposeScope();
        float[] table = SinusoidalPositionalEncoding.Table(60, hidden).data<float>().ToArray();
        foreach (int position in new[] { 0, 1, 17, 59 })
            for (int column = 0; column < hidden; column++)
            {
                double angle = position / Math.Pow(10000, 2 * (column / 2) / (double)hidden);
                double expected = column % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle);
                Assert.True(Math.Abs(expected - table[position * hidden + column]) < 1e-6, $"P[{position}, {column}]");
            }
    }

    [Fact]
    public void AddsTheTableAtTheRightOffsetAndChecksLength()
    {
        using var scope = NewDisposeScope();
        var encoding = new SinusoidalPositionalEncoding(16, dropout: 0.5, maxLength: 20);
        encoding.eval();
        Tensor x = randn(2, 5, 16);
        Tensor shifted = encoding.forward(x, startPosition: 3);
        Tensor expected = x + SinusoidalPositionalEncoding.Table(20, 16)[TensorIndex.Slice(3, 8)];
        Assert.True(TestSupport.MaxAbsDiff(shifted, expected) < 1e-6);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => encoding.forward(randn(1, 21, 16)));
        Assert.Contains("maximum length 20", error.Message);
        Assert.Empty(encoding.parameters());
    }

    [Fact]
    public void LearnedEncodingIsTrainedPerPosition()
    {
        TestSupport.Seed(12);
        using var scope = NewDisposeScope();
        var encoding = new LearnedPositionalEncoding(8, maxLength: 10);
        Tensor x = zeros(1, 4, 8);
        Tensor output = encoding.forward(x, startPosition: 2);
        Assert.True(TestSupport.MaxAbsDiff(output[0], encoding.Embedding.weight![TensorIndex.Slice(2, 6)]) < 1e-7);
        output.sum().backward();
        float[] rowGradients = encoding.Embedding.weight!.grad!.abs().sum(1).data<float>().ToArray();
        Assert.Equal(new float[] { 0, 0, 8, 8, 8, 8, 0, 0, 0, 0 }, rowGradients);
        Assert.Throws<ArgumentOutOfRangeException>(() => encoding.forward(zeros(1, 9, 8), startPosition: 2));
    }
}
