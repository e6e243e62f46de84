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
}
