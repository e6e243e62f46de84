using TransformerSharp.Evaluation;
using Xunit;

namespace TransformerSharp.Tests.Evaluation;

public class RougeTests
{
    const double Tolerance = 1e-4;

    // rouge_score's published test vectors (rouge_scorer_test.py).
    [Fact]
    public void Rouge1()
    {
        var s = Rouge.Score("testing one two", "testing")["rouge1"];
        Assert.Equal(1.0, s.Precision, Tolerance);
        Assert.Equal(1.0 / 3, s.Recall, Tolerance);
        Assert.Equal(0.5, s.F, Tolerance);
    }

    [Fact]
    public void Rouge2() => Assert.Equal(2.0 / 3, Rouge.Score("testing one two", "testing one")["rouge2"].F, Tolerance);

    [Fact]
    public void RougeL() => Assert.Equal(0.8, Rouge.Score("testing one two", "testing two")["rougeL"].F, Tolerance);

    [Fact]
    public void RougeLsumTakesTheUnionLcsOverPredictedSentences()
    {
        var s = Rouge.Score("w1 w2 w3 w4 w5", "w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5")["rougeLsum"];
        Assert.Equal(0.4, s.Precision, Tolerance);
        Assert.Equal(0.8, s.Recall, Tolerance);
        Assert.Equal(0.5333, s.F, Tolerance);
        // With one sentence on each side, ROUGE-Lsum is ROUGE-L.
        var single = Rouge.Score("w1 w2 w3 w4 w5", "w5 w1 w9 w2");
        Assert.Equal(single["rougeL"], single["rougeLsum"]);
        Assert.Equal(0.5, single["rougeL"].Precision, Tolerance);
    }

    [Fact]
    public void AnEmptyPredictionScoresZero()
    {
        foreach (var (_, score) in Rouge.Score("testing one two", "")) Assert.Equal(0.0, score.F);
        foreach (var (_, score) in Rouge.Score("testing one two", "!!! ...")) Assert.Equal(0.0, score.F);
    }

    [Fact]
    public void TokensAreLowerCasedAndSplitOutsideLettersAndDigits()
    {
        Assert.Equal(new[] { "person1", "s", "car", "is", "red", "2" }, Rouge.Tokenize("#Person1#'s CAR is red—2!", stem: false));
        Assert.Equal(new[] { "run", "the", "cat", "happi" }, Rouge.Tokenize("running the cats happiness", stem: true));
    }

    [Fact]
    public void SeveralReferencesTakeTheBestPerType()
    {
        var best = Rouge.ScoreMulti(new[] { "a b c d", "testing one two" }, "testing one");
        Assert.Equal(0.8, best["rouge1"].F, Tolerance);
        var corpus = Rouge.Corpus(new[] { "testing one", "" }, new[] { (IReadOnlyList<string>)new[] { "testing one two" }, new[] { "x" } });
        Assert.Equal(0.4, corpus.Mean["rouge1"].F, Tolerance);                   // (0.8 + 0) / 2
        Assert.Equal(new[] { "ROUGE-1 = 40.0000", "ROUGE-2 = 33.3333", "ROUGE-L = 40.0000", "ROUGE-Lsum = 40.0000" }, corpus.Lines());
    }

    [Theory]
    [InlineData("caresses", "caress")] [InlineData("ponies", "poni")] [InlineData("ties", "tie")] [InlineData("cats", "cat")]
    [InlineData("feed", "feed")] [InlineData("agreed", "agre")] [InlineData("plastered", "plaster")] [InlineData("motoring", "motor")]
    [InlineData("conflated", "conflat")] [InlineData("hopping", "hop")] [InlineData("filing", "file")] [InlineData("happy", "happi")]
    [InlineData("relational", "relat")] [InlineData("conditional", "condit")] [InlineData("generalization", "gener")]
    [InlineData("hopefulness", "hope")] [InlineData("electrical", "electr")] [InlineData("adjustment", "adjust")]
    [InlineData("controlling", "control")] [InlineData("generously", "gener")] [InlineData("dying", "die")] [InlineData("skies", "sky")]
    public void PorterStemmerOnPublishedExamples(string word, string stem) => Assert.Equal(stem, PorterStemmer.Stem(word));

    /// <summary>NLTK's PorterStemmer (what rouge_score calls) on every word of the DialogSum dev summaries, or a built-in list.</summary>
    [SkippableFact]
    public void PorterStemmerAgreesWithNltk()
    {
        string python = TestSupport.PythonWith("nltk.stem.porter", "python3-nltk", "TRANSFORMERSHARP_NLTK_PYTHON");
        var words = new SortedSet<string>(StringComparer.Ordinal)
        {
            "generalizations", "oscillators", "happily", "fully", "archaeology", "geology", "feasibly", "sensibility", "traditionally",
            "analogousli", "electricity", "triplicate", "formative", "formalize", "hopeful", "goodness", "revival", "allowance", "inference",
            "airliner", "gyroscopic", "adjustable", "defensible", "irritant", "replacement", "dependent", "adoption", "homologou",
            "communism", "activate", "angulariti", "homologous", "effective", "bowdlerize", "probate", "rate", "cease", "controll", "roll",
            "innings", "news", "proceed", "spied", "died", "lies", "ably", "sky", "aaa", "yyy", "syzygy", "crying", "enjoying", "conferred",
        };
        if (TestSupport.SharedData is { } data && File.Exists(Path.Combine(data, "dialogsum", "dialogsum.dev.jsonl")))
            foreach (var d in TransformerSharp.Text.DialogSum.Read(Path.Combine(data, "dialogsum", "dialogsum.dev.jsonl")))
                foreach (string summary in d.Summaries) words.UnionWith(Rouge.Tokenize(summary, stem: false).Where(t => t.Length > 3));
        string list = Path.Combine(TestSupport.TempFolder(), "words.txt");
        File.WriteAllLines(list, words);
        var (code, output, errors) = TestSupport.RunPython(python, "-c",
            "import sys\nfrom nltk.stem import porter\ns = porter.PorterStemmer()\n" +
            "print('\\n'.join(s.stem(w.strip()) for w in open(sys.argv[1]) if w.strip()))", list);
        Assert.True(code == 0, errors);
        var expected = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(words.Count, expected.Length);
        var mismatches = words.Zip(expected).Where(p => PorterStemmer.Stem(p.First) != p.Second)
                              .Select(p => $"{p.First}: ours {PorterStemmer.Stem(p.First)}, nltk {p.Second}").ToList();
        Assert.True(mismatches.Count == 0, string.Join("; ", mismatches.Take(20)));
        Assert.True(words.Count > 50);
    }
}
