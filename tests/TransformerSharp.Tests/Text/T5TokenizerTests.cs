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
        foreach (string word in new[] { "thanks.", "Hi,", "Fine,", "#Person2#" })
        {
            int[] ids = tokenizer.Encode(word);
            Assert.Equal(Enumerable.Range(0, ids.Length).Select(i => i == ids.Length - 1), ids.Select(endsWord));
        }
        // A speaker tag is a word of its own, as the special tokens are: "#Person2#," is the tag, then ",".
        Assert.Equal(new[] { true, true }, tokenizer.Encode("#Person2#,").Select(endsWord));
        Assert.True(tokenizer.Encode("#Person2#,").Length > 1);
        Assert.All(new[] { T5Tokenizer.PadId, T5Tokenizer.EosId, T5Tokenizer.UnkId, tokenizer.SentinelId(0) }, id => Assert.True(endsWord(id)));
    }

    [Fact]
    public void ASpeakerTagHasOneIdInDialoguesAndSummaries()
    {
        var dialogues = Enumerable.Repeat("#Person1#: Hi, how was your day? #Person2#: Fine, thanks. #Person3#: It's fine, says me.", 20);
        var tokenizer = (T5BpeTokenizer)T5Tokenizer.Learn(dialogues, merges: 40);
        Assert.Equal(new[] { "#Person1#", "#Person2#", "#Person3#" }, tokenizer.Tags.Order(StringComparer.Ordinal));
        int person2 = tokenizer.Encode("#Person2#: Fine")[0];
        foreach (string word in new[] { "#Person2#", "#Person2#'s", "#Person2#.", "#Person2#:" })
            Assert.Equal(person2, tokenizer.Encode(word)[0]);
        Assert.Single(tokenizer.Encode("#Person2#"));

        // Words join back as they were written: what followed a tag in its word is glued to it again.
        foreach (string text in new[] { "#Person1# asks how #Person2#'s day was. #Person2# is fine, says #Person1#.", "#Person1#: Hi, #Person2#: Fine" })
            Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
        // A tag the learning text never held is split into pieces like any other word, and still comes back whole.
        int[] unseen = tokenizer.Encode("#Person21# and #Person1#");
        Assert.True(unseen.Length > 3);
        Assert.DoesNotContain(T5Tokenizer.UnkId, unseen);
        Assert.Equal("#Person21# and #Person1#", tokenizer.Decode(unseen));
    }

    [Fact]
    public void TagsSurviveRestoreAndDescriptionsWithoutTagsStillLoad()
    {
        var tokenizer = T5Tokenizer.Learn(Enumerable.Repeat("#Person1#: Hi, how was your day? #Person2#: It's fine, thanks.", 20), merges: 40);
        var description = tokenizer.Describe();
        Assert.Equal(tokenizer.Encode("#Person2#'s day, #Person1#:"), Tokenizers.Restore(description, "test").Encode("#Person2#'s day, #Person1#:"));

        // A checkpoint made before tags were tokens has no "tags": its words are split by the merges alone.
        var old = (System.Text.Json.Nodes.JsonObject)description.DeepClone();
        old.Remove("tags");
        var restored = (T5BpeTokenizer)Tokenizers.Restore(old, "test");
        Assert.Empty(restored.Tags);
        Assert.True(restored.Encode("#Person2#").Length > 1);
        Assert.Equal("#Person2#'s day", restored.Decode(restored.Encode("#Person2#'s day")));

        var broken = (System.Text.Json.Nodes.JsonObject)description.DeepClone();
        broken["tags"] = new System.Text.Json.Nodes.JsonArray("#Person1#", "#Nobody#");
        var error = Assert.Throws<InvalidDataException>(() => Tokenizers.Restore(broken, "test"));
        Assert.StartsWith("test: ", error.Message);
        Assert.Contains("#Nobody#", error.Message);
    }
}
