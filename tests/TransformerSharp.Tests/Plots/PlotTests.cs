using TransformerSharp.Plots;
using Xunit;

namespace TransformerSharp.Tests.Plots;

public class PlotTests
{
    /// <summary>Width and height from a PNG's IHDR chunk, after checking the signature.</summary>
    public static (int width, int height) PngSize(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10 }, bytes.Take(8).ToArray());
        int Read(int at) => (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
        return (Read(16), Read(20));
    }

    [Fact]
    public void HeatmapIsAPngOfTheRequestedSize()
    {
        string path = Path.Combine(TestSupport.TempFolder(), "nested", "weights.png");
        var weights = new double[,] { { 1, 0, 0 }, { 0.5, 0.5, 0 } };
        AttentionHeatmap.Save(path, weights, width: 400, height: 300, keyLabels: new[] { "a", "b", "c" });
        Assert.Equal((400, 300), PngSize(path));
        Assert.False(File.Exists(path + ".tmp.png"));
    }

    [Fact]
    public void GridAndLossCurveAreWritten()
    {
        string folder = TestSupport.TempFolder();
        var map = new double[,] { { 0.2, 0.8 }, { 0.6, 0.4 } };
        AttentionHeatmap.SaveGrid(Path.Combine(folder, "grid.png"), new[] { map, map, map }, new[] { "1", "2", "3" }, cellWidth: 200, cellHeight: 180);
        Assert.Equal((600, 180), PngSize(Path.Combine(folder, "grid.png")));
        LinePlots.SaveLossCurve(Path.Combine(folder, "loss.png"), new double[] { 1, 2, 3 }, new[] { 3.0, 2.0, 1.5 },
                                new double[] { 1, 3 }, new[] { 3.2, 1.9 });
        Assert.Equal((800, 600), PngSize(Path.Combine(folder, "loss.png")));
    }
}
