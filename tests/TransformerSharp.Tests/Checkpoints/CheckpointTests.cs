using System.Text.Json.Nodes;
using TorchSharp;
using TransformerSharp.Models.Bert;
using TransformerSharp.Models.Gpt;
using TransformerSharp.Models.Translator;
using TransformerSharp.Text;
using TransformerSharp.Checkpoints;
using TransformerSharp.Training;
using Xunit;

namespace TransformerSharp.Tests.Checkpoints;

public class CheckpointTests
{
    static string SaveTiny(GptConfig config)
    {
        string path = Path.Combine(TestSupport.TempFolder(), "model.ckpt");
        Checkpoint.Save(path, "gpt", GptCheckpoint.Describe(config, new CharTokenizer("abcdefghijk")), new Gpt(config));
        return path;
    }

    [Fact]
    public void RoundTripsWeights()
    {
        var config = new GptConfig(1, 2, 8, 6, 11);
        TestSupport.Seed(40);
        var original = new Gpt(config);
        string path = Path.Combine(TestSupport.TempFolder(), "m.ckpt");
        Checkpoint.Save(path, "gpt", GptCheckpoint.Describe(config, new CharTokenizer("abcdefghijk")), original);
        var (loaded, _, _) = GptCheckpoint.Load(path);
        foreach (var ((name, a), (_, b)) in original.named_parameters().Zip(loaded.named_parameters()))
            Assert.True(TestSupport.MaxAbsDiff(a, b) == 0, name);
    }

    [Fact]
    public void WrongKindTruncatedAndForeignFilesAreClearErrors()
    {
        string path = SaveTiny(new GptConfig(1, 2, 8, 6, 11));
        var wrongKind = Assert.Throws<InvalidDataException>(() => Checkpoint.ReadHeader(path, "bert"));
        Assert.Contains("'gpt' checkpoint, not a 'bert'", wrongKind.Message);

        string truncated = path + ".cut";
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var cut = Assert.Throws<InvalidDataException>(() => GptCheckpoint.Load(truncated));
        Assert.Contains("truncated", cut.Message);

        string foreign = path + ".txt";
        File.WriteAllText(foreign, "hello, I am not a checkpoint");
        Assert.Throws<InvalidDataException>(() => GptCheckpoint.Load(foreign));
    }

    [Fact]
    public void MismatchedShapesAreAClearError()
    {
        string path = SaveTiny(new GptConfig(1, 2, 8, 6, 11));
        var error = Assert.ThrowsAny<Exception>(() => Checkpoint.Load(path, "gpt", new Gpt(new GptConfig(1, 2, 16, 6, 11))));
        Assert.Contains(path, error.Message);
    }
}
