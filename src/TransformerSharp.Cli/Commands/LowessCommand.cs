using System.CommandLine;
using Spectre.Console;
using TransformerSharp.Attention;
using TransformerSharp.Data;
using TransformerSharp.Plots;

namespace TransformerSharp.Cli.Commands;

/// <summary>lowess --input FILE.csv --output FILE.csv [--frac] [--it] [--delta] [--plot FILE.html|FILE.png]</summary>
public static class LowessCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Option<FileInfo>("--input") { Description = "CSV with a header naming columns x and y", Required = true };
        var output = new Option<FileInfo>("--output") { Description = "CSV written with columns x,y,fitted, sorted by x", Required = true };
        var frac = new Option<double>("--frac") { Description = "fraction of the points in each local fit", DefaultValueFactory = _ => 2.0 / 3.0 };
        var it = new Option<int>("--it") { Description = "robustifying iterations", DefaultValueFactory = _ => 3 };
        var delta = new Option<double>("--delta") { Description = "interpolate between fits closer than this in x", DefaultValueFactory = _ => 0.0 };
        var zeroMedian = new Option<string>("--zero-median")
        {
            Description = "when the median residual is zero: 'stop' iterating (statsmodels ≥ 0.14) or give points with residuals 'zero-weight' (statsmodels ≤ 0.13)",
            DefaultValueFactory = _ => "stop",
        };
        zeroMedian.AcceptOnlyFromAmong("stop", "zero-weight");
        var plot = new Option<FileInfo?>("--plot") { Description = "the points and the LOWESS trend line: interactive .html (works offline) or .png" };
        plot.Validators.Add(result =>
        {
            if (result.Tokens.FirstOrDefault()?.Value is { } v && !v.EndsWith(".html", StringComparison.OrdinalIgnoreCase) && !v.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                result.AddError($"--plot {v}: name a .html or a .png file");
        });
        var command = new Command("lowess", "Cleveland's locally weighted regression (statsmodels' lowess) on a CSV of points.")
        {
            input, output, frac, it, delta, zeroMedian, plot,
        };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            FileInfo inputFile = parse.GetValue(input)!, outputFile = parse.GetValue(output)!;
            var (x, y) = PointsCsv.Read(inputFile.FullName);
            var rule = parse.GetValue(zeroMedian) == "zero-weight" ? LowessZeroMedian.ZeroWeightOutliers : LowessZeroMedian.StopIterating;
            LowessResult result = Lowess.Fit(x, y, parse.GetValue(frac), parse.GetValue(it), parse.GetValue(delta), rule);
            PointsCsv.Write(outputFile.FullName, new[] { "x", "y", "fitted" }, result.X, result.Y, result.Fitted);
            context.Console.MarkupLineInterpolated($"lowess: {x.Length} points, frac {parse.GetValue(frac):0.####}, it {parse.GetValue(it)}, delta {parse.GetValue(delta)} → {outputFile.FullName}");
            if (parse.GetValue(plot) is { } plotFile)
            {
                var series = new[] { new Series("points", result.X, result.Y, Markers: true), new Series("LOWESS trend", result.X, result.Fitted) };
                string title = $"LOWESS, frac {parse.GetValue(frac):0.###}";
                if (plotFile.Extension.Equals(".html", StringComparison.OrdinalIgnoreCase)) InteractiveCharts.SaveLines(plotFile.FullName, series, title, "x", "y");
                else LinePlots.Save(plotFile.FullName, series, title, "x", "y");
                context.Console.MarkupLineInterpolated($"plot: {plotFile.FullName}");
            }
            return 0;
        }));
        return command;
    }
}
