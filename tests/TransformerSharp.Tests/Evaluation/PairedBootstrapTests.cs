using TransformerSharp.Evaluation;
using Xunit;

namespace TransformerSharp.Tests.Evaluation;

public class PairedBootstrapTests
{
    [Fact]
    public void IdenticalSystemsDifferByNothing()
    {
        var scores = new[] { 0.1, 0.5, 0.3, 0.9 };
        var c = PairedBootstrap.Compare(scores, scores, resamples: 100);
        Assert.Equal((0.0, 0.0, 0.0, 0.0), (c.Difference, c.Low, c.High, c.ShareAhead));
    }

    [Fact]
    public void AConstantLeadIsAheadInEveryResample()
    {
        var b = new[] { 0.1, 0.5, 0.3, 0.9, 0.2 };
        var a = b.Select(x => x + 0.25).ToArray();
        var c = PairedBootstrap.Compare(a, b, resamples: 100);
        Assert.Equal(0.25, c.Difference, 1e-12);
        Assert.Equal(0.25, c.Low, 1e-12);
        Assert.Equal(0.25, c.High, 1e-12);
        Assert.Equal(1.0, c.ShareAhead);
    }

    [Fact]
    public void TheIntervalIsTheNormalOneForManyExamples()
    {
        // Differences drawn with mean 0.1 and standard deviation 1: the mean of 2,000 has a standard error of
        // 1/√2000, so the 95 % interval is the sample mean ± 1.96/√2000 (0.0438) to within resampling noise.
        var random = new Random(7);
        var b = Enumerable.Range(0, 2000).Select(_ => random.NextDouble()).ToArray();
        var d = Enumerable.Range(0, 2000).Select(_ => 0.1 + Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())).ToArray();
        var a = b.Zip(d, (x, y) => x + y).ToArray();
        var c = PairedBootstrap.Compare(a, b, resamples: 4000, seed: 3);
        double mean = d.Average(), sd = Math.Sqrt(d.Select(x => (x - mean) * (x - mean)).Sum() / (d.Length - 1));
        double half = 1.96 * sd / Math.Sqrt(d.Length);
        Assert.Equal(mean, c.Difference, 1e-9);
        Assert.Equal(mean - half, c.Low, 0.006);
        Assert.Equal(mean + half, c.High, 0.006);
        Assert.InRange(c.ShareAhead, 0.99, 1.0);
        // The same seed draws the same resamples.
        Assert.Equal(c, PairedBootstrap.Compare(a, b, resamples: 4000, seed: 3));
    }

    [Fact]
    public void SystemsMustScoreTheSameExamples() =>
        Assert.Contains("3 scores against 2", Assert.Throws<ArgumentException>(() => PairedBootstrap.Compare(new[] { 1.0, 2, 3 }, new[] { 1.0, 2 })).Message);
}
