using System.Text.Json;
using System.Text.Json.Nodes;
using TransformerSharp.Text;
using Xunit;

namespace TransformerSharp.Tests.Text;

public class T5SentencePieceTokenizerTests
{
    static readonly string[] Texts =
    {
        "the cat sat on the mat", "Hello there, how are you today?", "I can't go to Tom's house!!", "  spaces   everywhere  ",
        "unknown: ½ «Zoë» 東京 {x} qqq", "where it was raining, but we were happy.",
    };

    /// <summary>A T5-layout SentencePiece model trained by SentencePiece itself, and its ids for <see cref="Texts"/>.</summary>
    static (string model, int pieces, int[][] ids) Reference()
    {
        string python = TestSupport.PythonWith("sentencepiece", "python3-sentencepiece", "SENTENCEPIECE_REFERENCE_PYTHON");
        string folder = TestSupport.TempFolder();
        var (code, output, errors) = TestSupport.RunPython(python, Path.Combine(TestSupport.RepositoryRoot, "tests", "TransformerSharp.Tests", "Text", "sentencepiece_reference.py"),
                                                           folder, JsonSerializer.Serialize(Texts));
        Assert.True(code == 0, errors);
        var json = JsonNode.Parse(output)!;
        return (Path.Combine(folder, "spiece.model"), json["pieces"]!.GetValue<int>(),
                json["ids"]!.AsArray().Select(row => row!.AsArray().Select(id => id!.GetValue<int>()).ToArray()).ToArray());
    }

    [SkippableFact]
    public void EncodesAsSentencePieceItselfDoes()
    {
        var (model, pieces, expected) = Reference();
        var tokenizer = T5SentencePieceTokenizer.Read(model);
        Assert.Equal(pieces + 100, tokenizer.VocabSize);
        for (int i = 0; i < Texts.Length; i++) Assert.Equal(expected[i], tokenizer.Encode(Texts[i]));
        Assert.Contains(T5Tokenizer.UnkId, tokenizer.Encode(Texts[4]));
        Assert.Equal(Texts[0], tokenizer.Decode(tokenizer.Encode(Texts[0]).Append(T5Tokenizer.EosId)));
        Assert.Null(tokenizer.EndsWord);                                   // pieces mark where words start, not end
    }

    [SkippableFact]
    public void SentinelsComeAfterThePiecesAndSurviveDescribeAndRestore()
    {
        var tokenizer = T5SentencePieceTokenizer.Read(Reference().model);
        int[] ids = tokenizer.Encode("the cat <extra_id_0> on the <extra_id_1>");
        Assert.Equal(tokenizer.SentinelId(0), ids[Array.IndexOf(ids, tokenizer.SentinelId(0))]);
        Assert.Equal(tokenizer.VocabSize - 2, ids[^1]);
        Assert.Equal("the cat <extra_id_0> on the <extra_id_1>", tokenizer.Decode(ids));
        var restored = Tokenizers.Restore(tokenizer.Describe(), "test");
        Assert.Equal("t5-sentencepiece", restored.Kind);
        Assert.Equal(ids, restored.Encode("the cat <extra_id_0> on the <extra_id_1>"));
    }

    [Fact]
    public void AFileThatIsNotASentencePieceModelIsRefused()
    {
        string path = Path.Combine(TestSupport.TempFolder(), "spiece.model");
        File.WriteAllBytes(path, new byte[] { 0x12, 0xFF, 0xFF, 0x01 });
        var error = Assert.Throws<InvalidDataException>(() => T5SentencePieceTokenizer.Read(path));
        Assert.StartsWith(path + ": not a SentencePiece model", error.Message);
    }
}
