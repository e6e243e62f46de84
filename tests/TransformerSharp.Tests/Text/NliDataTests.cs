using System.Text.Json;
using TransformerSharp.Text;
using Xunit;

namespace TransformerSharp.Tests.Text;

public class NliDataTests
{
    [Fact]
    public void NliReaderNamesTheBadLine()
    {
        string path = Path.Combine(TestSupport.TempFolder(), "bad.jsonl");
        File.WriteAllLines(path, new[] { JsonSerializer.Serialize(new { premise = "a", hypothesis = "b", label = "neutral" }), "{not json" });
        var error = Assert.Throws<InvalidDataException>(() => NliData.Read(path));
        Assert.StartsWith($"{path}:2:", error.Message);
    }
}
