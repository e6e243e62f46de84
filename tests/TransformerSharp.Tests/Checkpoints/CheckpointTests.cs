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
        Assert.Contains("cut short or damaged", cut.Message);

        string foreign = path + ".txt";
        File.WriteAllText(foreign, "hello, I am not a checkpoint");
        Assert.Throws<InvalidDataException>(() => GptCheckpoint.Load(foreign));
    }

    /// <summary>A checkpoint with AdamW's state after one step, as training writes it: most of its bytes follow the model's.</summary>
    static string SaveWithOptimizer()
    {
        var config = new GptConfig(1, 2, 8, 6, 11);
        TestSupport.Seed(41);
        var model = new Gpt(config);
        var optimizer = torch.optim.AdamW(model.parameters());
        using (var scope = torch.NewDisposeScope())
        {
            model.forward(torch.zeros(1, 4, torch.ScalarType.Int64)).sum().backward();
            optimizer.step();
        }
        string path = Path.Combine(TestSupport.TempFolder(), "last.ckpt");
        Checkpoint.Save(path, "gpt", GptCheckpoint.Describe(config, new CharTokenizer("abcdefghijk")), model, optimizer);
        return path;
    }

    [Theory]
    [InlineData(0.2)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(-1)]                                   // one byte short
    public void ACheckpointCutAnywhereIsRefusedForEveryUse(double fraction)
    {
        string path = SaveWithOptimizer();
        byte[] bytes = File.ReadAllBytes(path);
        int keep = fraction < 0 ? bytes.Length - 1 : (int)(bytes.Length * fraction);
        string cut = Path.Combine(TestSupport.TempFolder(), "cut.ckpt");
        File.WriteAllBytes(cut, bytes[..keep]);
        Assert.Contains("cut short or damaged", Assert.Throws<InvalidDataException>(() => GptCheckpoint.Load(cut)).Message);
        Assert.Contains("cut short or damaged", Assert.Throws<InvalidDataException>(() => Checkpoint.ReadHeader(cut)).Message);
        GptCheckpoint.Load(path);                      // the whole file still loads
    }

    [Fact]
    public void AChangedByteIsCaughtByTheChecksum()
    {
        string path = SaveWithOptimizer();
        byte[] bytes = File.ReadAllBytes(path);
        bytes[bytes.Length * 3 / 4] ^= 0x40;           // inside the optimizer state, which inference does not read
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<InvalidDataException>(() => GptCheckpoint.Load(path));
        Assert.Contains("XxHash128 does not match", error.Message);
        Assert.StartsWith(path, error.Message);
    }

    [Fact]
    public void FormatThreeCheckpointsWithTheirSha256StillLoadAndAreChecked()
    {
        string path = SaveWithOptimizer();
        byte[] bytes = File.ReadAllBytes(path);
        // Format 4's trailer: marker (10 bytes), content length (8), XxHash128 (16). Format 3: the same with a SHA-256.
        long length = BitConverter.ToInt64(bytes, bytes.Length - 24);
        byte[] content = bytes[..(int)length];
        int version = 1 + "TSHARPCK".Length;                          // after the magic's length byte and characters
        Assert.Equal(Checkpoint.FormatVersion, BitConverter.ToInt32(content, version));
        BitConverter.GetBytes(3).CopyTo(content, version);
        byte[] v3 = [.. content, .. bytes[(int)length..^16], .. System.Security.Cryptography.SHA256.HashData(content)];
        string old = Path.Combine(TestSupport.TempFolder(), "v3.ckpt");
        File.WriteAllBytes(old, v3);
        GptCheckpoint.Load(old);
        v3[v3.Length / 2] ^= 0x40;
        File.WriteAllBytes(old, v3);
        Assert.Contains("SHA-256 does not match", Assert.Throws<InvalidDataException>(() => GptCheckpoint.Load(old)).Message);
    }

    [Fact]
    public void FormatTwoCheckpointsStillLoadAndTheirEndMarkerIsChecked()
    {
        var config = new GptConfig(1, 2, 8, 6, 11);
        TestSupport.Seed(42);
        var original = new Gpt(config);
        string path = Path.Combine(TestSupport.TempFolder(), "v2.ckpt");
        using (var writer = new BinaryWriter(File.Create(path)))
        {
            writer.Write("TSHARPCK");
            writer.Write(2);
            writer.Write("gpt");
            writer.Write(GptCheckpoint.Describe(config, new CharTokenizer("abcdefghijk")).ToJsonString());
            original.save(writer);
            writer.Write(false);
            writer.Write("TSHARPEND");
        }
        var (loaded, _, _) = GptCheckpoint.Load(path);
        foreach (var ((name, a), (_, b)) in original.named_parameters().Zip(loaded.named_parameters()))
            Assert.True(TestSupport.MaxAbsDiff(a, b) == 0, name);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^4]);
        Assert.Contains("cut short or damaged", Assert.Throws<InvalidDataException>(() => GptCheckpoint.Load(path)).Message);
    }

    [Fact]
    public void ATemporaryFileIsNamedForWhatItIs()
    {
        string path = SaveTiny(new GptConfig(1, 2, 8, 6, 11));
        File.Copy(path, path + Checkpoint.TempSuffix);
        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.ReadHeader(path + Checkpoint.TempSuffix));
        Assert.Contains("temporary file left by an interrupted save", error.Message);
    }

    [Fact]
    public void MismatchedShapesAreAClearError()
    {
        string path = SaveTiny(new GptConfig(1, 2, 8, 6, 11));
        var error = Assert.ThrowsAny<Exception>(() => Checkpoint.Load(path, "gpt", new Gpt(new GptConfig(1, 2, 16, 6, 11))));
        Assert.Contains(path, error.Message);
    }
}
