using ScottPlot;

namespace TransformerSharp.Plots;

/// <summary>Attention weights as a heatmap PNG, queries down the rows and keys across, as D2L's show_heatmaps draws them.</summary>
public static class AttentionHeatmap
{
    /// <param name="weights">(queries, keys); row 0 is drawn at the top.</param>
    public static void Save(string path, double[,] weights, string title = "Attention weights",
                            string xLabel = "Keys", string yLabel = "Queries", IReadOnlyList<string>? keyLabels = null,
                            IReadOnlyList<string>? queryLabels = null, int width = 800, int height = 640)
    {
        var plot = new Plot();
        Draw(plot, weights, title, xLabel, yLabel, keyLabels, queryLabels);
        PlotFiles.Save(plot, path, width, height);
    }

    /// <summary>Several heatmaps side by side (for example one per head), each with its own title.</summary>
    public static void SaveGrid(string path, IReadOnlyList<double[,]> maps, IReadOnlyList<string> titles,
                                string xLabel = "Keys", string yLabel = "Queries", IReadOnlyList<string>? keyLabels = null,
                                IReadOnlyList<string>? queryLabels = null, int cellWidth = 420, int cellHeight = 380)
    {
        if (maps.Count == 0) throw new ArgumentException("no heatmaps to draw");
        var multiplot = new Multiplot();
        multiplot.AddPlots(maps.Count);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        for (int i = 0; i < maps.Count; i++)
            Draw(multiplot.GetPlot(i), maps[i], titles[i], xLabel, yLabel, keyLabels, queryLabels);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder != null) Directory.CreateDirectory(folder);
        multiplot.SavePng(path, cellWidth * maps.Count, cellHeight);
    }

    static void Draw(Plot plot, double[,] weights, string title, string xLabel, string yLabel,
                     IReadOnlyList<string>? keyLabels, IReadOnlyList<string>? queryLabels)
    {
        int rows = weights.GetLength(0), cols = weights.GetLength(1);
        var heatmap = plot.Add.Heatmap(weights);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        // Cell (r, c) covers x in [c, c+1] and y in [rows-r-1, rows-r], so row 0 is the top row.
        heatmap.Extent = new CoordinateRect(0, cols, 0, rows);
        plot.Add.ColorBar(heatmap);
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        // Ticks at cell centres, counted from the top-left; at most about a dozen per axis.
        string[] keys = keyLabels?.ToArray() ?? Enumerable.Range(0, cols).Select(i => i.ToString()).ToArray();
        string[] queries = queryLabels?.ToArray() ?? Enumerable.Range(0, rows).Select(i => i.ToString()).ToArray();
        int keyStep = Math.Max(1, (int)Math.Ceiling(cols / 12.0)), queryStep = Math.Max(1, (int)Math.Ceiling(rows / 12.0));
        int[] keyTicks = Enumerable.Range(0, cols).Where(i => i % keyStep == 0).ToArray();
        int[] queryTicks = Enumerable.Range(0, rows).Where(i => i % queryStep == 0).ToArray();
        plot.Axes.Bottom.SetTicks(keyTicks.Select(i => i + 0.5).ToArray(), keyTicks.Select(i => keys[i]).ToArray());
        plot.Axes.Left.SetTicks(queryTicks.Select(i => rows - i - 0.5).ToArray(), queryTicks.Select(i => queries[i]).ToArray());
        plot.Axes.SetLimits(0, cols, 0, rows);
    }
}
