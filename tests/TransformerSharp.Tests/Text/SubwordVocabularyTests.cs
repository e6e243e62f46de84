using TransformerSharp.Text;
using TransformerSharp.Training;
using Xunit;

namespace TransformerSharp.Tests.Text;

public class SubwordVocabularyTests
{
    [Fact]
    public void LearnsTheMostFrequentPairsFirst()
    {
        // Sennrich et al.'s example: low ×5, lower ×2, newest ×6, widest ×3.
        var sentences = new List<string[]>();
        void Add(string word, int count) { for (int i = 0; i < count; i++) sentences.Add(new[] { word }); }
        Add("low", 5); Add("lower", 2); Add("newest", 6); Add("widest", 3);
        var bpe = SubwordVocabulary.Learn(sentences, 4);
        // By hand: (e,s) and (s,t</w>) both occur 9 times, ordinal order picks "e s"; then "es t</w>" (9); then
        // "l o" (7); then (e,w), (n,e), (w,est</w>) tie at 6 and "e w" comes first.
        Assert.Equal(new[] { "e s", "es t</w>", "l o", "e w" }, bpe.Merges);
        Assert.Equal(new[] { "n", "ew", "est</w>" }, bpe.Split(new[] { "newest" }));
        Assert.Equal(new[] { "lo", "w</w>" }, bpe.Split(new[] { "low" }));
    }

    [Fact]
    public void SplitsAndJoinsBackToTheSameWords()
    {
        string[][] corpus =
        {
            "je suis chez moi .".Split(' '), "je suis calme .".Split(' '), "il est chez lui .".Split(' '), "nous sommes chez nous .".Split(' '),
        };
        var bpe = SubwordVocabulary.Learn(corpus, 30);
        string[] pieces = bpe.Split("il est calme chez nous . <eos>".Split(' '));
        Assert.Equal("<eos>", pieces[^1]);
        Assert.Equal("il est calme chez nous .", SubwordVocabulary.Join(pieces[..^1]));
        Assert.Contains("chez</w>", pieces);
        var restored = new SubwordVocabulary(bpe.Merges, bpe.Alphabet);
        Assert.Equal(pieces, restored.Split("il est calme chez nous . <eos>".Split(' ')));
        Assert.Contains("<unk>", bpe.Split(new[] { "zèbre" }));                 // 'z', 'è', 'b', 'r' were never seen
    }

    [Fact]
    public void WordsWithApostrophesAndHyphensStayWhole()
    {
        var bpe = SubwordVocabulary.Learn(new[] { "je ne m'attendais pas . n'es-tu pas là ?".Split(' '), "qu'il est-ce".Split(' ') }, 20);
        string[] pieces = bpe.Split("m'attendais n'es-tu qu'il .".Split(' '));
        Assert.Equal(4, pieces.Count(p => p.EndsWith("</w>")));                      // one end-of-word marker per word
        Assert.Equal("m'attendais n'es-tu qu'il .", SubwordVocabulary.Join(pieces));
    }

    [Fact]
    public void FullPresetWithSubwordsSharesOneVocabulary()
    {
        string text = string.Concat(Enumerable.Range(0, 600).Select(i => $"I see {i % 13} cats.\tJe vois {i % 13} chats.\n"));
        var splits = TranslationSetup.Full(text, seed: 1, validCount: 20, testCount: 20, subwordMerges: 40);
        Assert.Same(splits.Data.SourceVocab, splits.Data.TargetVocab);
        Assert.NotNull(splits.Data.Subwords);
        var pair = splits.Data.Pairs[0];
        Assert.Equal("je vois 0 chats .", splits.Data.Detokenize(pair.Target));
    }
}
