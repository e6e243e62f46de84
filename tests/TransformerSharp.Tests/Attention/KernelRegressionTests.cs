using TorchSharp;
using TransformerSharp.Attention;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Attention;

public class KernelRegressionTests
{
    [Fact]
    public void ToyDataFollowsD2LAndIsReproducible()
    {
        var data = ToyRegressionData.Generate(seed: 3);
        Assert.Equal(40, data.XTrain.Length);
        Assert.Equal(50, data.XQuery.Length);
        Assert.Equal(4.9, data.XQuery[^1], 12);
        Assert.True(data.XTrain.Zip(data.XTrain.Skip(1)).All(p => p.First <= p.Second));
        Assert.All(data.XTrain, x => Assert.InRange(x, 0, 5));
        Assert.Equal(data.XTrain, ToyRegressionData.Generate(seed: 3).XTrain);
        Assert.NotEqual(data.XTrain, ToyRegressionData.Generate(seed: 4).XTrain);
        double noiseMean = data.YTrain.Select((y, i) => y - ToyRegressionData.F(data.XTrain[i])).Average();
        Assert.InRange(noiseMean, -0.6, 0.6);                              // N(0, 1) noise over 40 draws
    }

    [Theory]
    [InlineData(KernelKind.Gaussian, 0.3, 0.5)]
    [InlineData(KernelKind.Boxcar, 0.3, 1.0)]
    [InlineData(KernelKind.Epanechikov, 0.3, 0.5)]
    [InlineData(KernelKind.Constant, 0.3, 1.0)]
    public void WeightsAreTheNormalisedKernel(KernelKind kind, double distanceScale, double bandwidth)
    {
        double[] xTrain = { 0, 1, 2, 3 }, yTrain = { 1, 2, 4, 8 };
        double[] xQuery = { 1 + distanceScale };
        var result = NadarayaWatson.Predict(xTrain, yTrain, xQuery, kind, bandwidth);
        double Kernel(double u) => kind switch
        {
            KernelKind.Gaussian => Math.Exp(-u * u / 2),
            KernelKind.Boxcar => Math.Abs(u) < 1 ? 1 : 0,
            KernelKind.Constant => 1,
            _ => Math.Max(1 - Math.Abs(u), 0),
        };
        double[] k = xTrain.Select(x => Kernel((xQuery[0] - x) / bandwidth)).ToArray();
        double total = k.Sum();
        for (int i = 0; i < 4; i++) Assert.Equal(k[i] / total, result.Weights[0, i], 12);
        Assert.Equal(k.Select((w, i) => w * yTrain[i]).Sum() / total, result.Prediction[0], 12);
    }

    [Fact]
    public void ConstantKernelPredictsTheMeanAndSimilarityBeatsIt()
    {
        var data = ToyRegressionData.Generate(seed: 0);
        var constant = NadarayaWatson.Predict(data.XTrain, data.YTrain, data.XQuery, KernelKind.Constant);
        Assert.All(constant.Prediction, p => Assert.Equal(data.YTrain.Average(), p, 10));
        var gaussian = NadarayaWatson.Predict(data.XTrain, data.YTrain, data.XQuery, KernelKind.Gaussian, 0.5);
        Assert.True(gaussian.MeanSquaredError(data.YQueryTrue) < constant.MeanSquaredError(data.YQueryTrue));
        for (int q = 0; q < 50; q++)
            Assert.Equal(1.0, Enumerable.Range(0, 40).Sum(i => gaussian.Weights[q, i]), 10);
    }

    [Fact]
    public void EmptyWindowIsAClearError()
    {
        var error = Assert.Throws<UserError>(() =>
            NadarayaWatson.Predict(new double[] { 0, 1 }, new double[] { 0, 1 }, new[] { 5.0 }, KernelKind.Boxcar, 0.5));
        Assert.Contains("query 5", error.Message);
        Assert.Throws<UserError>(() =>
            NadarayaWatson.Predict(new double[] { 0 }, new double[] { 0 }, new[] { 0.0 }, KernelKind.Gaussian, 0));
    }

    [Fact]
    public void LearnedWeightIsTheGaussianKernelWithBandwidthOneOverW()
    {
        var data = ToyRegressionData.Generate(seed: 1);
        var losses = new List<double>();
        var model = LearnedKernelRegression.Train(data, seed: 1, epochs: 10, learningRate: 0.1, onEpoch: (_, l) => losses.Add(l));
        Assert.Equal(10, losses.Count);
        Assert.True(losses[^1] < losses[0], $"loss went from {losses[0]} to {losses[^1]}");
        var learned = model.Predict(data.XTrain, data.YTrain, data.XQuery);
        var fixedKernel = NadarayaWatson.Predict(data.XTrain, data.YTrain, data.XQuery, KernelKind.Gaussian, model.Bandwidth);
        for (int q = 0; q < 50; q++) Assert.Equal(fixedKernel.Prediction[q], learned.Prediction[q], 9);
    }

    /// <summary>The README's figures for D2L's run (seed 0, 5 epochs of SGD at 0.5), now trained through the one Trainer.</summary>
    [Fact]
    public void LearnedKernelKeepsTheReadmeFigures()
    {
        var data = ToyRegressionData.Generate(seed: 0);
        var model = LearnedKernelRegression.Train(data, seed: 0, epochs: 5, learningRate: 0.5);
        Assert.Equal(0.694, model.Bandwidth, 3);
        Assert.Equal(0.6897, model.Predict(data.XTrain, data.YTrain, data.XQuery).MeanSquaredError(data.YQueryTrue), 4);
    }
}
