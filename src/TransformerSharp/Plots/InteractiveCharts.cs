using Microsoft.FSharp.Core;
using Plotly.NET.CSharp;
using GenericChart = Plotly.NET.GenericChart;

namespace TransformerSharp.Plots;

/// <summary>
/// Interactive HTML charts (Plotly.NET): zoom, pan, and the value under the pointer. plotly.js is embedded in every
/// file, so a chart opens offline, with no CDN. The same <see cref="Series"/> as the PNG charts.
/// </summary>
public static class InteractiveCharts
{
    /// <summary>Lines and scatters, as <see cref="LinePlots.Save"/> draws them in PNG.</summary>
    public static void SaveLines(string path, IEnumerable<Series> series, string title, string xLabel, string yLabel)
    {
        var traces = series.Select(s => s.Markers
            ? Chart.Point<double, double, string>(x: s.X.ToArray(), y: s.Y.ToArray(), Name: s.Label)
            : Chart.Line<double, double, string>(x: s.X.ToArray(), y: s.Y.ToArray(), Name: s.Label)).ToList();
        var chart = WithTitle(Chart.Combine(traces), title)
            .WithXAxisStyle<double, double, string>(TitleText: xLabel)
            .WithYAxisStyle<double, double, string>(TitleText: yLabel);
        Save(chart, path);
    }

    /// <summary>Attention weights, queries down the rows and keys across (row 0 at the top); each cell's weight on hover.</summary>
    public static void SaveHeatmap(string path, double[,] weights, string title = "Attention weights", string xLabel = "Keys",
                                   string yLabel = "Queries", IReadOnlyList<string>? keyLabels = null, IReadOnlyList<string>? queryLabels = null)
    {
        int rows = weights.GetLength(0), cols = weights.GetLength(1);
        var z = Enumerable.Range(0, rows).Select(r => Enumerable.Range(0, cols).Select(c => weights[r, c]).ToArray()).ToArray();
        // Labels may repeat (a word twice in a sentence): keep them apart with invisible position suffixes.
        string[] Axis(IReadOnlyList<string>? labels, int n) =>
            Enumerable.Range(0, n).Select(i => (labels is not null && i < labels.Count ? labels[i] : i.ToString()) + new string('\u200b', i)).ToArray();
        var chart = Chart.Heatmap<double, string, string, string>(zData: z, X: Axis(keyLabels, cols), Y: Axis(queryLabels, rows),
                                                                   ColorScale: Plotly.NET.StyleParam.Colorscale.Viridis, ReverseYAxis: true);
        chart = WithTitle(chart, title)
            .WithXAxisStyle<double, double, string>(TitleText: xLabel)
            .WithYAxisStyle<double, double, string>(TitleText: yLabel);
        Save(chart, path);
    }

    static GenericChart WithTitle(GenericChart chart, string title) => Plotly.NET.Chart.withTitle(title, null).Invoke(chart);

    /// <summary>Plotly's default layout leaves the plot a narrow column; 900 × 600 gives the data the page.</summary>
    static GenericChart Sized(GenericChart chart) => Plotly.NET.Chart.withSize(900.0, 600.0).Invoke(chart);

    static void Save(GenericChart chart, string path)
    {
        var display = Plotly.NET.DisplayOptions.init(null, null, null, null, null, null,
            FSharpOption<Plotly.NET.PlotlyJSReference>.Some(Plotly.NET.PlotlyJSReference.Full));
        chart = Plotly.NET.Chart.withDisplayOptions(display).Invoke(Sized(chart));
        // SaveHtml appends ".html" to a name without it, hence a temporary name ending in it.
        PlotFiles.Replace(path, ".tmp.html", temp => chart.SaveHtml(temp));
    }
}
