using TransformerSharp.Attention;
using TransformerSharp.Data;
using TransformerSharp.Tests.Plots;
using Xunit;

namespace TransformerSharp.Tests.Cli;

public class CliTests
{
    static (int code, string output, string error) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void KernelRegressionPrintsTheMseItComputedAndWritesPlots()
    {
        string folder = TestSupport.TempFolder();
        var (code, output, error) = Run("kernel-regression", "--kernel", "epanechikov", "--bandwidth", "0.8", "--seed", "5", "--out", folder);
        Assert.True(code == 0, error);
        var data = ToyRegressionData.Generate(5);
        double mse = NadarayaWatson.Predict(data.XTrain, data.YTrain, data.XQuery, KernelKind.Epanechikov, 0.8).MeanSquaredError(data.YQueryTrue);
        Assert.Contains($"MSE against f on the 50 queries = {mse:F4}", output);
        PlotTests.PngSize(Path.Combine(folder, "epanechikov-fit.png"));
        PlotTests.PngSize(Path.Combine(folder, "epanechikov-attention.png"));
    }

    [Fact]
    public void KernelRegressionCanLearnTheWidth()
    {
        string folder = TestSupport.TempFolder();
        var (code, output, error) = Run("kernel-regression", "--kernel", "gaussian", "--learn", "--epochs", "3", "--out", folder);
        Assert.True(code == 0, error);
        Assert.Contains("epoch 3, loss", output);
        Assert.Contains("learned Gaussian kernel, w", output);
        PlotTests.PngSize(Path.Combine(folder, "learned-attention.png"));
    }

    [Fact]
    public void UnknownKernelIsRejected()
    {
        var (code, _, error) = Run("kernel-regression", "--kernel", "cosine");
        Assert.NotEqual(0, code);
        Assert.Contains("cosine", error);
    }

    [Fact]
    public void LowessWritesSortedRowsWithFits()
    {
        string folder = TestSupport.TempFolder();
        string input = Path.Combine(folder, "in.csv"), output = Path.Combine(folder, "out.csv");
        var random = new Random(3);
        double[] x = Enumerable.Range(0, 60).Select(_ => Math.Round(random.NextDouble() * 6, 1)).ToArray();
        double[] y = x.Select(v => Math.Cos(v) + random.NextDouble()).ToArray();
        File.WriteAllLines(input, new[] { "y,x" }.Concat(x.Select((v, i) => $"{y[i]:R},{v:R}")));
        var (code, _, error) = Run("lowess", "--input", input, "--output", output, "--frac", "0.4", "--it", "2");
        Assert.True(code == 0, error);

        string[] lines = File.ReadAllLines(output);
        Assert.Equal("x,y,fitted", lines[0]);
        LowessResult expected = Lowess.Fit(x, y, 0.4, 2);
        Assert.Equal(61, lines.Length);
        for (int i = 0; i < 60; i++)
            Assert.Equal($"{expected.X[i]:R},{expected.Y[i]:R},{expected.Fitted[i]:R}", lines[i + 1]);
    }

    [Fact]
    public void LowessPlotsItsTrendLineAsInteractiveHtmlOrPng()
    {
        string folder = TestSupport.TempFolder();
        string input = Path.Combine(folder, "in.csv"), output = Path.Combine(folder, "out.csv");
        File.WriteAllLines(input, new[] { "x,y" }.Concat(Enumerable.Range(0, 30).Select(i => $"{i},{Math.Sin(i / 5.0) + (i % 3) * 0.1:R}")));
        string html = Path.Combine(folder, "trend.html"), png = Path.Combine(folder, "trend.png");
        Assert.Equal(0, Run("lowess", "--input", input, "--output", output, "--plot", html).code);
        string page = File.ReadAllText(html);
        Assert.Contains("LOWESS trend", page);
        Assert.Contains("Plotly.newPlot", page);
        Assert.DoesNotContain("<script src=", page);          // plotly.js embedded: opens offline
        Assert.True(page.Length > 1_000_000, "plotly.js is not in the file");
        Assert.Equal(0, Run("lowess", "--input", input, "--output", output, "--plot", png).code);
        Assert.Equal((800, 600), TransformerSharp.Tests.Plots.PlotTests.PngSize(png));
        Assert.Equal($"--plot {Path.Combine(folder, "trend.svg")}: name a .html or a .png file",
                     Run("lowess", "--input", input, "--output", output, "--plot", Path.Combine(folder, "trend.svg")).error.Trim());
    }

    [Fact]
    public void LowessNamesTheBadLine()
    {
        string folder = TestSupport.TempFolder();
        string input = Path.Combine(folder, "bad.csv"), output = Path.Combine(folder, "out.csv");
        File.WriteAllText(input, "x,y\n1,2\n2,3\n3,oops\n");
        var (code, _, error) = Run("lowess", "--input", input, "--output", output);
        Assert.Equal(1, code);
        Assert.Contains($"{input}:4: column y is 'oops'", error);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void DemoRunsEndToEnd()
    {
        string folder = TestSupport.TempFolder();
        var (code, output, error) = Run("demo", "--out", folder);
        Assert.True(code == 0, error);
        Assert.Contains("max |ours − TorchSharp|", output);
        Assert.Contains("LOWESS", output);
        Assert.True(Directory.GetFiles(folder, "*.png").Length >= 10);
    }
}
