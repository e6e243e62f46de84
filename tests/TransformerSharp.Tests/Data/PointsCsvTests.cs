using TransformerSharp.Data;
using Xunit;

namespace TransformerSharp.Tests.Data;

public class PointsCsvTests
{
    static (double[] X, double[] Y) Read(string text) => PointsCsv.Read(new StringReader(text), "points.csv");

    [Fact]
    public void ReadsColumnsByNameInAnyOrder()
    {
        var (x, y) = Read("y,label,x\n2.5,a,1\n-1e-3,b,0.5\n\n");
        Assert.Equal(new[] { 1.0, 0.5 }, x);
        Assert.Equal(new[] { 2.5, -0.001 }, y);
    }

    [Theory]
    [InlineData("x,y\n1,2\n3,abc\n", "points.csv:3: column y is 'abc'")]
    [InlineData("x,y\n1,2\n3\n", "points.csv:3: expected 2 fields")]
    [InlineData("x,y\n1,2\nnan,1\n", "points.csv:3: column x is 'nan', not a finite number")]
    [InlineData("a,b\n1,2\n", "points.csv:1: the header 'a,b' must name the columns x and y")]
    [InlineData("x,y\n", "points.csv: no data rows")]
    [InlineData("", "points.csv: the file is empty")]
    public void BadInputNamesTheLine(string text, string message)
    {
        var error = Assert.Throws<InvalidDataException>(() => Read(text));
        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void WritesRoundTripNumbersAtomically()
    {
        string path = Path.Combine(TestSupport.TempFolder(), "out.csv");
        PointsCsv.Write(path, new[] { "x", "y" }, new[] { 0.1, 1.0 / 3 }, new[] { 1e-300, -2.0 });
        var (x, y) = PointsCsv.Read(path);
        Assert.Equal(new[] { 0.1, 1.0 / 3 }, x);
        Assert.Equal(new[] { 1e-300, -2.0 }, y);
        Assert.False(File.Exists(path + ".tmp"));
    }
}
