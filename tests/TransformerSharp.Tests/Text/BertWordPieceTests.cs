using System.Text.Json.Nodes;
using TransformerSharp.Models.Bert;
using TransformerSharp.Text;
using Xunit;

namespace TransformerSharp.Tests.Text;

public class BertWordPieceTests
{
    [Fact]
    public void TokenizerTruncatesPairsAndRejectsEmptyLines()
    {
        var tokenizer = MiniLm.Tokenizer();
        var single = tokenizer.EncodeInput("Hello world");
        Assert.Equal(new[] { 101, 7592, 2088, 102 }, single.Ids);                  // [CLS] hello world [SEP]
        var pair = tokenizer.EncodeInput(string.Join(' ', Enumerable.Repeat("word", 600)), "short one", maxLength: 16);
        Assert.True(pair.Truncated);
        Assert.Equal(16, pair.Ids.Length);
        Assert.Equal(1, pair.Segments[^1]);
        Assert.Throws<UserError>(() => tokenizer.EncodeInput("   "));
    }

    [Fact]
    public void DescriptionRebuildsTheSameTokenizer()
    {
        var tokenizer = MiniLm.Tokenizer();
        var restored = Tokenizers.Restore(JsonNode.Parse(tokenizer.Describe().ToJsonString())!.AsObject(), "test");
        Assert.Equal(tokenizer.VocabSize, restored.VocabSize);
        Assert.Equal(tokenizer.Encode("Transformers attend to everything."), restored.Encode("Transformers attend to everything."));
        Assert.Equal(101, restored.SpecialIds["[CLS]"]);
    }
}
