using TransformerSharp.Generation;
using Xunit;

namespace TransformerSharp.Tests.Generation;

public class SearchTests
{
    [Fact]
    public void TopKEqualsAFullSortTakingTheLowerIndexOnTies()
    {
        var random = new Random(0);
        for (int trial = 0; trial < 50; trial++)
        {
            float[] values = Enumerable.Range(0, 1 + random.Next(40)).Select(_ => (float)random.Next(10)).ToArray();
            int k = 1 + random.Next(6);
            var expected = Enumerable.Range(0, values.Length).OrderByDescending(i => values[i]).Take(k).ToArray();
            Assert.Equal(expected, BeamSearch.TopK(values, k));
        }
    }

    [Fact]
    public void NoRepeatNgramBansWhatWouldRepeatAnNgram()
    {
        // Hugging Face's no_repeat_ngram_size: after "5 6 7 5 6", a 3-gram "5 6 7" exists, so 7 is banned.
        Assert.Equal(new[] { 7 }, NoRepeatNgram.Banned(new[] { 5, 6, 7, 5, 6 }, 3));
        Assert.Equal(new[] { 6, 7 }, NoRepeatNgram.Banned(new[] { 5, 6, 5, 7, 5 }, 2).Order());
        Assert.Empty(NoRepeatNgram.Banned(new[] { 5, 6, 7 }, 3));
        Assert.Empty(NoRepeatNgram.Banned(new[] { 5, 5, 5 }, 0));
        Assert.Equal(new[] { 5 }, NoRepeatNgram.Banned(new[] { 5, 5 }, 1).Concat(NoRepeatNgram.Banned(new[] { 5 }, 1)).Distinct());
    }

    [Fact]
    public void NoRepeatNgramOfWordsLetsAWordOfSeveralTokensRecur()
    {
        // "P2" is the three tokens 7 8 9 (9 ends the word, as "#Person2#" splits here); x = 5, y = 6 are one-token words.
        Func<int, bool> endsWord = t => t is 9 or 5 or 6;
        int[] written = { 7, 8, 9, 5, 7, 8, 9, 6, 7, 8 };                    // "P2 x P2 y P2…"
        Assert.Equal(new[] { 9 }, NoRepeatNgram.Banned(written, 3));          // in tokens, "P2" cannot be finished again
        Assert.Empty(NoRepeatNgram.Banned(written, 3, endsWord));              // in words, "P2 y P2" is no repeat

        // After "P2 x P2 x", writing "P2" again would repeat the words "P2 x P2": its last token is banned once the
        // tokens before it are written, not earlier.
        int[] repeat = { 7, 8, 9, 5, 7, 8, 9, 5, 7 };                         // "P2 x P2 x P…"
        Assert.Empty(NoRepeatNgram.Banned(repeat, 3, endsWord));
        Assert.Equal(new[] { 9 }, NoRepeatNgram.Banned(repeat.Append(8).ToArray(), 3, endsWord));
        // A one-token word after the repeated prefix is banned at once, and n = 0 bans nothing.
        Assert.Equal(new[] { 6 }, NoRepeatNgram.Banned(new[] { 5, 6, 5 }, 2, endsWord));
        Assert.Empty(NoRepeatNgram.Banned(new[] { 5, 5, 5 }, 0, endsWord));
    }
}
