using TransformerSharp.Evaluation;
using Xunit;

namespace TransformerSharp.Tests.Evaluation;

public class BleuTests
{
    [Theory]
    // D2L 10.7's four translations against their labels, k = 2: values computed from the definition by hand.
    [InlineData("va !", "va !", 1.0)]
    [InlineData("j'ai perdu .", "j'ai perdu .", 1.0)]
    [InlineData("je suis calme .", "il est calme .", 0.537284965911771)]      // (2/4)^(1/2) · (1/3)^(1/4)
    [InlineData("je suis chez moi .", "je suis chez moi .", 1.0)]
    [InlineData("il", "il est calme .", 0.049787068367863944)]                // e^(1-4) · (1/1)^(1/2)
    [InlineData("calme calme calme", "il est calme .", 0.0)]                 // no bigram matches: a factor 0^(1/4)
    public void D2LBleuFollowsTheBookDefinition(string prediction, string label, double expected)
    {
        Assert.Equal(expected, Bleu.D2L(prediction, label, 2), 12);
    }

    [Fact]
    public void CorpusBleuMatchesSacreBleuReadmeExample()
    {
        // sacreBLEU's README: BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18).
        string[] hypotheses = { "The dog bit the man.", "It wasn't surprising.", "The man had just bitten him." };
        string[][] references =
        {
            new[] { "The dog bit the man.", "It was not unexpected.", "The man bit him first." },
            new[] { "The dog had bit the man.", "No one was surprised.", "The man had bitten the dog." },
        };
        BleuScore score = Bleu.Corpus(hypotheses, references);
        Assert.Equal(48.530827, score.Score, 6);
        Assert.Equal(new[] { 82.4, 50.0, 45.5, 37.5 }, score.Precisions.Select(p => Math.Round(p, 1)));
        Assert.Equal(17, score.HypothesisLength);
        Assert.Equal(18, score.ReferenceLength);
        Assert.Equal("BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)", score.ToString());
        Assert.StartsWith("nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp", score.Signature);
    }

    [Fact]
    public void ExponentialSmoothingAndBrevityPenaltyByHand()
    {
        // One segment, hypothesis "a b c", reference "a b d e": p1 = 2/3, p2 = 1/2, p3 = 0 → 100/(2·1), p4 total 0 → 0.
        BleuScore score = Bleu.Corpus(new[] { "a b c" }, new[] { new[] { "a b d e" } });
        Assert.Equal(new[] { 200.0 / 3, 50.0, 50.0, 0.0 }, score.Precisions);
        Assert.Equal(Math.Exp(1 - 4.0 / 3), score.BrevityPenalty, 12);
        Assert.Equal(0.0, score.Score, 9);                                          // log 0 counts as -9999999999
        // Four matching words of five: p = 4/5, 3/4, 2/3, 1/2; BP = 1.
        BleuScore close = Bleu.Corpus(new[] { "w x y z q" }, new[] { new[] { "w x y z" } });
        Assert.Equal(100 * Math.Pow(0.8 * 0.75 * 2 / 3.0 * 0.5, 0.25), close.Score, 9);
    }

    [Theory]
    [InlineData("Hello, world.", "Hello , world .")]
    [InlineData("It costs $3.50-4.00 (approx.)", "It costs $ 3.50 - 4.00 ( approx . )")]
    [InlineData("don't stop&amp;go", "don't stop & go")]
    [InlineData("1,000 people", "1,000 people")]
    public void Tokenizer13a(string input, string expected) => Assert.Equal(expected, Bleu.Tokenize13a(input));
}
