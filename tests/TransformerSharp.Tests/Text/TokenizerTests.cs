using TransformerSharp.Text;
using Xunit;

namespace TransformerSharp.Tests.Text;

public class TokenizerTests
{
    [Fact]
    public void CharVocabularyIsSortedDistinctCharactersAndRoundTrips()
    {
        var tokenizer = CharTokenizer.FromText("hello world\n");
        Assert.Equal("\n dehlorw", tokenizer.Describe()["characters"]!.GetValue<string>());
        int[] ids = tokenizer.Encode("low\n");
        Assert.Equal(new[] { 5, 6, 8, 0 }, ids);
        Assert.Equal("low\n", tokenizer.Decode(ids));
        Assert.Equal(tokenizer.Describe().ToJsonString(), Tokenizers.Restore(tokenizer.Describe(), "test").Describe().ToJsonString());
    }

    [Fact]
    public void UnknownCharacterIsAClearError()
    {
        var tokenizer = CharTokenizer.FromText("abc");
        var error = Assert.Throws<UserError>(() => tokenizer.Encode("abz"));
        Assert.Contains("'z' at position 2", error.Message);
    }

    [Fact]
    public void Gpt2BytePairEncodingMatchesPublishedIds()
    {
        var tokenizer = new Gpt2Tokenizer();
        // "Hello world" is [15496, 995] in GPT-2's vocabulary (tiktoken's gpt2 encoding).
        Assert.Equal(new[] { 15496, 995 }, tokenizer.Encode("Hello world"));
        string text = "Thou art more lovely, ünd temperate — 🙂";
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
        Assert.Equal(50257, tokenizer.VocabSize);
    }
}
