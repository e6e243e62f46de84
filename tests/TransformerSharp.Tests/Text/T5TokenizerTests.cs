using TransformerSharp.Text;
using Xunit;

namespace TransformerSharp.Tests.Text;

public class T5TokenizerTests
{
    static T5Tokenizer Learned() => T5Tokenizer.Learn(new[] { "the cat sat on the mat", "the dog sat on the log", "a cat and a dog" }, merges: 20);

    [Fact]
    public void SpecialTokensComeFirstAndSentinelsLast()
    {
        var tokenizer = Learned();
        Assert.Equal((0, 1, 2), (tokenizer.SpecialIds["<pad>"], tokenizer.SpecialIds["</s>"], tokenizer.SpecialIds["<unk>"]));
        Assert.Equal(tokenizer.VocabSize - 1, tokenizer.SentinelId(0));
        Assert.Equal(tokenizer.VocabSize - 100, tokenizer.SentinelId(99));
        Assert.Equal(new[] { tokenizer.SentinelId(0) }, tokenizer.Encode("<extra_id_0>"));
        Assert.Equal(new[] { tokenizer.SentinelId(1) }, tokenizer.Encode("<extra_id_1>"));
    }

    [Fact]
    public void TextRoundTripsAndUnknownCharactersBecomeUnk()
    {
        var tokenizer = Learned();
        Assert.Equal("the cat sat on the log", tokenizer.Decode(tokenizer.Encode("the cat sat on the log")));
        Assert.Contains(T5Tokenizer.UnkId, tokenizer.Encode("the zebra"));
        int[] source = tokenizer.EncodeSource("summarize: ", "the cat sat on the mat", maxLength: 4, out bool cut);
        Assert.True(cut);
        Assert.Equal(4, source.Length);
        Assert.Equal(T5Tokenizer.EosId, source[^1]);
        Assert.Equal("the cat <extra_id_0>", tokenizer.Decode(tokenizer.Encode("the cat").Append(tokenizer.SentinelId(0)).Append(T5Tokenizer.EosId)));
    }

    [Fact]
    public void DescribeAndRestoreGiveTheSameIds()
    {
        var tokenizer = Learned();
        var restored = Tokenizers.Restore(tokenizer.Describe(), "test");
        Assert.Equal(tokenizer.VocabSize, restored.VocabSize);
        Assert.Equal(tokenizer.Encode("a dog sat on the mat <extra_id_3>"), restored.Encode("a dog sat on the mat <extra_id_3>"));
    }

    [Fact]
    public void WordsOfKnownCharactersNeverBecomeUnk()
    {
        // Dialogues write "#Person1#:", summaries "#Person1#": the pieces of the second must be in the vocabulary even
        // though no training word was split into them.
        var lines = Enumerable.Repeat("#Person1#: Hi, how are you? #Person2#: Fine, thanks.", 20);
        var tokenizer = T5Tokenizer.Learn(lines, merges: 40);
        int[] ids = tokenizer.Encode("#Person1# asks how #Person2# is, thanks.");
        Assert.DoesNotContain(T5Tokenizer.UnkId, ids);
        Assert.Equal("#Person1# asks how #Person2# is, thanks.", tokenizer.Decode(ids));
    }

    [Fact]
    public void EndsWordMarksTheLastTokenOfEachWord()
    {
        var tokenizer = T5Tokenizer.Learn(Enumerable.Repeat("#Person1#: Hi, how are you? #Person2#: Fine, thanks.", 20), merges: 40);
        var endsWord = tokenizer.EndsWord!;
        foreach (string word in new[] { "#Person2#", "thanks.", "Hi,", "#Person2#," })
        {
            int[] ids = tokenizer.Encode(word);
            Assert.Equal(Enumerable.Range(0, ids.Length).Select(i => i == ids.Length - 1), ids.Select(endsWord));
        }
        Assert.True(tokenizer.Encode("#Person2#,").Length > 1);
        Assert.All(new[] { T5Tokenizer.PadId, T5Tokenizer.EosId, T5Tokenizer.UnkId, tokenizer.SentinelId(0) }, id => Assert.True(endsWord(id)));
    }
}
