using System.Text.Json;
using TransformerSharp.Attention;
using Xunit;

namespace TransformerSharp.Tests.Attention;

public class LowessTests
{
    [Fact]
    public void ReproducesAStraightLineExactly()
    {
        double[] x = Enumerable.Range(0, 30).Select(i => i * 0.37 + (i % 3) * 0.01).ToArray();
        double[] y = x.Select(v => 2 * v + 1).ToArray();
        var result = Lowess.Fit(x, y, frac: 0.3, it: 3);
        for (int i = 0; i < x.Length; i++) Assert.Equal(y[i], result.Fitted[i], 9);
    }

    [Fact]
    public void SortsStablyAndKeepsPairs()
    {
        var result = Lowess.Fit(new[] { 3.0, 1.0, 2.0, 1.0 }, new[] { 30.0, 10.0, 20.0, 11.0 }, frac: 1.0, it: 0);
        Assert.Equal(new[] { 1.0, 1.0, 2.0, 3.0 }, result.X);
        Assert.Equal(new[] { 10.0, 11.0, 20.0, 30.0 }, result.Y);
        Assert.Equal(result.Fitted[0], result.Fitted[1]);                  // ties share one fit
    }

    [Fact]
    public void RobustIterationsDiscountAnOutlier()
    {
        double[] x = Enumerable.Range(0, 40).Select(i => (double)i).ToArray();
        double[] y = x.Select(v => Math.Sin(v / 6)).ToArray();
        y[20] += 50;
        double plain = Math.Abs(Lowess.Fit(x, y, 0.3, it: 0).Fitted[21] - Math.Sin(21 / 6.0));
        double robust = Math.Abs(Lowess.Fit(x, y, 0.3, it: 3).Fitted[21] - Math.Sin(21 / 6.0));
        Assert.True(robust < plain / 10, $"robust error {robust}, plain error {plain}");
    }

    [Fact]
    public void ZeroMedianResidualFollowsTheChosenStatsmodelsRule()
    {
        double[] x = { 1, 1, 1, 2, 2, 3, 4, 4, 5, 6 }, y = { 1, 1, 2, 3, 3, 2, 5, 5, 4, 7 };
        // The first pass fits the three points at x = 1 by their mean, 4/3; most other residuals are 0.
        Assert.Equal(4.0 / 3.0, Lowess.Fit(x, y, 0.4, 1, zeroMedian: LowessZeroMedian.StopIterating).Fitted[0], 12);
        // statsmodels 0.13 then gives the point with residual 2/3 weight 0, leaving the two y = 1 points.
        Assert.Equal(1.0, Lowess.Fit(x, y, 0.4, 1, zeroMedian: LowessZeroMedian.ZeroWeightOutliers).Fitted[0], 12);
    }

    [Fact]
    public void RejectsBadParameters()
    {
        Assert.Throws<UserError>(() => Lowess.Fit(new[] { 1.0, 2 }, new[] { 1.0, 2 }, frac: 1.5));
        Assert.Throws<UserError>(() => Lowess.Fit(new[] { 1.0, 2 }, new[] { 1.0, 2 }, it: -1));
        Assert.Throws<UserError>(() => Lowess.Fit(new[] { 1.0, double.NaN }, new[] { 1.0, 2 }));
        Assert.Throws<UserError>(() => Lowess.Fit(new[] { 1.0 }, new[] { 1.0, 2 }));
    }

    sealed record Case(double[] x, double[] y, double frac, int it, double delta, bool is_sorted);
    sealed record Reference(double[] x, double[] fitted);

    /// <summary>Cases for the statsmodels comparison: ties, duplicates, outliers, delta, extreme fractions.</summary>
    static List<Case> Cases()
    {
        var random = new Random(20261127);
        double Noise() => random.NextDouble() * 2 - 1;
        var cases = new List<Case>();
        double[] Uniform(int n, double scale) => Enumerable.Range(0, n).Select(_ => random.NextDouble() * scale).ToArray();
        double[] Smooth(double[] x, double noise) => x.Select(v => Math.Sin(v) * 2 + v / 3 + noise * Noise()).ToArray();

        // Distinct x, unsorted: statsmodels sorts itself.
        double[] x1 = Uniform(100, 10);
        cases.Add(new Case(x1, Smooth(x1, 0.5), 2.0 / 3.0, 3, 0, false));
        cases.Add(new Case(x1, Smooth(x1, 0.5), 0.1, 0, 0, false));
        cases.Add(new Case(x1, Smooth(x1, 0.5), 1.0, 5, 0, false));
        cases.Add(new Case(x1, Smooth(x1, 0.5), 0.25, 2, 0.3, false));
        // Heavy ties and duplicate points, given in stable sorted order (our ordering of ties).
        double[] x2 = Uniform(200, 5).Select(v => Math.Round(v, 1)).ToArray();
        double[] y2 = Smooth(x2, 1.0);
        y2[7] += 25; y2[50] -= 30;                                         // outliers for the robust passes
        x2 = x2.Select((v, i) => (v, i)).OrderBy(p => p.v).ThenBy(p => p.i).Select(p => p.v).ToArray();
        cases.Add(new Case(x2, y2, 0.3, 3, 0, true));
        cases.Add(new Case(x2, y2, 0.05, 3, 0, true));
        cases.Add(new Case(x2, y2, 0.5, 3, 0.25, true));
        // Exact duplicates of whole points, very few points, k clamped to 2, and a constant y (median residual 0).
        double[] x3 = { 1, 1, 1, 2, 2, 3, 4, 4, 5, 6 };
        cases.Add(new Case(x3, new double[] { 1, 1, 2, 3, 3, 2, 5, 5, 4, 7 }, 0.4, 3, 0, true));
        cases.Add(new Case(new double[] { 0, 1, 2, 3, 4 }, new double[] { 1, 3, 2, 5, 4 }, 0.1, 1, 0, true));
        cases.Add(new Case(new double[] { 2, 0, 1, 3 }, new double[] { 4, 4, 4, 4 }, 0.8, 3, 0, false));
        return cases;
    }

    readonly Xunit.Abstractions.ITestOutputHelper log;
    public LowessTests(Xunit.Abstractions.ITestOutputHelper log) => this.log = log;

    [SkippableFact]
    public void MatchesStatsmodelsTo1e8()
    {
        string python = TestSupport.PythonWith("statsmodels", "python3-statsmodels", "LOWESS_REFERENCE_PYTHON");
        string[] parts = TestSupport.RunPython(python, "-c", "import statsmodels; print(statsmodels.__version__)").output.Trim().Split('.');
        // statsmodels changed how it treats a zero median residual in 0.14; follow the installed one.
        var zeroMedian = int.Parse(parts[0]) == 0 && int.Parse(parts[1]) < 14 ? LowessZeroMedian.ZeroWeightOutliers : LowessZeroMedian.StopIterating;

        List<Case> cases = Cases();
        string folder = TestSupport.TempFolder();
        string input = Path.Combine(folder, "cases.json"), output = Path.Combine(folder, "fits.json");
        File.WriteAllText(input, JsonSerializer.Serialize(cases));
        string script = Path.Combine(AppContext.BaseDirectory, "Attention", "lowess_reference.py");
        var (exitCode, _, errors) = TestSupport.RunPython(python, script, input, output);
        Assert.True(exitCode == 0, $"statsmodels failed: {errors}");
        var references = JsonSerializer.Deserialize<List<Reference>>(File.ReadAllText(output))!;

        double worstOverall = 0;
        for (int c = 0; c < cases.Count; c++)
        {
            Case item = cases[c];
            LowessResult ours = Lowess.Fit(item.x, item.y, item.frac, item.it, item.delta, zeroMedian);
            Assert.Equal(references[c].x, ours.X);
            double worst = ours.Fitted.Select((f, i) => Math.Abs(f - references[c].fitted[i])).Max();
            Assert.True(worst <= 1e-8, $"case {c} (frac {item.frac}, it {item.it}, delta {item.delta}): max difference {worst}");
            worstOverall = Math.Max(worstOverall, worst);
        }
        log.WriteLine($"statsmodels {string.Join('.', parts)}: {cases.Count} cases, largest difference {worstOverall:E2}");
    }
}
