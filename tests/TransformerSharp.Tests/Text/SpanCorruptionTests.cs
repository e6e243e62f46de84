using TransformerSharp.Text;
using Xunit;

namespace TransformerSharp.Tests.Text;

public class SpanCorruptionTests
{
    [Fact]
    public void NoiseSpansBecomeSentinelsCountingDownFromTheEndOfTheVocabulary()
    {
        // T5's published example: tokens 10…15, vocabulary 1000, mask T T F F T F.
        int[] tokens = { 10, 11, 12, 13, 14, 15 };
        bool[] mask = { true, true, false, false, true, false };
        Assert.Equal(new[] { 999, 12, 13, 998, 15 }, SpanCorruption.SpansToSentinels(tokens, mask, 1000));
        Assert.Equal(new[] { 10, 11, 999, 14, 998 }, SpanCorruption.SpansToSentinels(tokens, mask.Select(m => !m).ToArray(), 1000));
    }

    [Theory]
    [InlineData(64, 0.2, 2.0, 70, 22)]
    [InlineData(64, 0.2, 1.0, 63, 27)]
    [InlineData(128, 0.15, 3.0, 141, 29)]
    [InlineData(512, 0.15, 3.0, 568, 114)]
    public void LengthsMatchT5sRandomSpansHelper(int inputs, double density, double span, int tokens, int targets) =>
        Assert.Equal((tokens, targets), SpanCorruption.Lengths(inputs, density, span));

    [Theory]
    [InlineData(141, 0)] [InlineData(141, 1)] [InlineData(568, 2)] [InlineData(20, 3)] [InlineData(2, 4)] [InlineData(1, 5)]
    public void TheMaskHasT5sNoiseCountAndSpansStartingWithNonNoise(int length, int seed)
    {
        bool[] mask = SpanCorruption.NoiseMask(length, new Random(seed));
        Assert.Equal(length, mask.Length);
        int noise = Math.Clamp((int)Math.Round(Math.Max(length, 2) * 0.15), 1, Math.Max(length, 2) - 1);
        if (length >= 2) Assert.Equal(noise, mask.Count(m => m));
        Assert.False(mask[0]);
        int spans = mask.Where((m, i) => m && (i == 0 || !mask[i - 1])).Count();
        if (length >= 20) Assert.Equal(Math.Max((int)Math.Round(noise / 3.0), 1), spans);
    }

    [Fact]
    public void InputsAndTargetsTogetherGiveBackTheText()
    {
        var random = new Random(7);
        int[] tokens = Enumerable.Range(100, 141).ToArray();
        var (inputs, targets) = SpanCorruption.Corrupt(tokens, vocabSize: 1000, eosId: 1, random);
        Assert.Equal(128, inputs.Length);                                      // as the helper promised
        Assert.Equal(29, targets.Length);
        Assert.Equal(1, inputs[^1]);
        Assert.Equal(1, targets[^1]);
        // Each sentinel in the inputs is followed, in the targets, by the tokens it hid.
        var spans = new Dictionary<int, List<int>>();
        int? current = null;
        foreach (int t in targets[..^1])
            if (t >= 900) spans[(current = t).Value] = new List<int>();
            else spans[current!.Value].Add(t);
        var rebuilt = inputs[..^1].SelectMany(t => t >= 900 ? spans[t] : new List<int> { t }).ToArray();
        Assert.Equal(tokens, rebuilt);
        Assert.Equal(new[] { 999, 998, 997 }, inputs.Where(t => t >= 900).Take(3));
    }

    [Fact]
    public void TheSameSeedGivesTheSameCorruption()
    {
        int[] tokens = Enumerable.Range(0, 50).ToArray();
        var a = SpanCorruption.Corrupt(tokens, 500, 1, new Random(3));
        var b = SpanCorruption.Corrupt(tokens, 500, 1, new Random(3));
        Assert.Equal(a.inputs, b.inputs);
        Assert.Equal(a.targets, b.targets);
    }
}
