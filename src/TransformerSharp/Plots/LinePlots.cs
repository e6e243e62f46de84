using ScottPlot;

namespace TransformerSharp.Plots;

/// <summary>A named series of (x, y) points drawn as a line or as markers.</summary>
public sealed record Series(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y, bool Markers = false);

/// <summary>Line and scatter charts as PNG: regression fits, loss curves.</summary>
public static class LinePlots
{
    public static void Save(string path, IEnumerable<Series> series, string title, string xLabel, string yLabel,
                            int width = 800, int height = 600, bool logY = false)
    {
        var plot = new Plot();
        foreach (Series s in series)
        {
            double[] ys = logY ? s.Y.Select(v => Math.Log10(v)).ToArray() : s.Y.ToArray();
            if (s.Markers)
            {
                var points = plot.Add.ScatterPoints(s.X.ToArray(), ys);
                points.LegendText = s.Label;
            }
            else
            {
                var line = plot.Add.ScatterLine(s.X.ToArray(), ys);
                line.LegendText = s.Label;
                line.LineWidth = 2;
            }
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(logY ? $"log10 {yLabel}" : yLabel);
        plot.ShowLegend();
        PlotFiles.Save(plot, path, width, height);
    }

    /// <summary>Training (and optional validation) loss against step or epoch.</summary>
    public static void SaveLossCurve(string path, IReadOnlyList<double> steps, IReadOnlyList<double> trainLoss,
                                     IReadOnlyList<double>? validSteps = null, IReadOnlyList<double>? validLoss = null,
                                     string xLabel = "epoch", string title = "Loss")
    {
        var series = new List<Series> { new("train", steps, trainLoss) };
        if (validSteps != null && validLoss != null) series.Add(new Series("validation", validSteps, validLoss));
        Save(path, series, title, xLabel, "loss");
    }
}

static class PlotFiles
{
    /// <summary>Writes the PNG through a temporary file, so a reader never sees half an image.</summary>
    public static void Save(Plot plot, string path, int width, int height) => Replace(path, ".tmp.png", temp => plot.SavePng(temp, width, height));

    /// <summary>Writes a figure to a temporary file beside the target (ending in the given suffix), then renames it.</summary>
    public static void Replace(string path, string tempSuffix, Action<string> write)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = full + tempSuffix;
        write(temp);
        File.Move(temp, full, overwrite: true);
    }
}
