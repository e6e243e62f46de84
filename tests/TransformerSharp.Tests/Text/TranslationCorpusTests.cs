using TorchSharp;
using TransformerSharp.Text;
using TransformerSharp.Training;
using Xunit;

namespace TransformerSharp.Tests.Text;

public class TranslationCorpusTests
{
    const string Sample = "Go.\tVa !\nHi.\tSalut !\nRun!\tCours\u202f!\nbroken line without tab\nWho?\tQui ?\nWow!\tÇa alors\u00a0!\n";

    [Fact]
    public void PreprocessesAsD2L()
    {
        Assert.Equal("go .\tva !\nhi .\tsalut !", TranslationCorpus.Preprocess("Go.\tVa !\nHi.\tSalut !"));
        Assert.Equal("cours !", TranslationCorpus.Preprocess("Cours\u202f!"));
        Assert.Equal("Tom est là .\tCours !", TranslationCorpus.Preprocess("Tom est là.\tCours\u202f!", lowerCase: false));
        Assert.Equal("ça alors !", TranslationCorpus.Preprocess("Ça alors\u00a0!"));
        Assert.Equal("wait , what ?", TranslationCorpus.Preprocess("Wait, what?"));
    }

    [Fact]
    public void TokenizesSkipsAndCountsMalformedLines()
    {
        var (pairs, skipped) = TranslationCorpus.Tokenize(TranslationCorpus.Preprocess(Sample));
        Assert.Equal(5, pairs.Count);
        Assert.Equal(1, skipped);
        Assert.Equal(new[] { "run", "!", "<eos>" }, pairs[2].Source);
        Assert.Equal(new[] { "cours", "!", "<eos>" }, pairs[2].Target);
        Assert.Equal(5, pairs[3].Line);
        var error = Assert.Throws<InvalidDataException>(() => TranslationCorpus.Tokenize("no tabs here\nnor here", source: "pairs.tsv"));
        Assert.StartsWith("pairs.tsv: no line of the form 'english<TAB>french' (2 other lines skipped)", error.Message);
    }

    [Fact]
    public void D2LReadsOneLineMoreThanAsked()
    {
        string text = string.Concat(Enumerable.Range(0, 50).Select(i => $"w{i % 7} x.\ty{i % 5} z.\n"));
        var (pairs, _) = TranslationCorpus.Tokenize(text, maxLine: 10);
        Assert.Equal(11, pairs.Count);
        var splits = TranslationSetup.D2L(text, numTrain: 8, numValid: 2, numSteps: 4);
        Assert.Equal(8, splits.Train.Length);
        Assert.Equal(3, splits.Valid.Length);
    }

    [Fact]
    public void VocabularyKeepsReservedTokensAndFrequentWords()
    {
        var vocab = new Vocabulary(new[] { new[] { "a", "b", "a" }, new[] { "c", "a", "b" } }, 2, new[] { "<pad>", "<bos>", "<eos>", "<unk>" });
        Assert.Equal(new[] { "<pad>", "<bos>", "<eos>", "<unk>", "a", "b" }, vocab.Tokens);
        Assert.Equal(vocab["<unk>"], vocab["c"]);
        Assert.Equal(vocab.Tokens, new Vocabulary(vocab.Tokens).Tokens);
    }

    [Fact]
    public void BatchesPadTrimAndShiftForTeacherForcing()
    {
        var (pairs, _) = TranslationCorpus.Tokenize(TranslationCorpus.Preprocess("Go now.\tVa maintenant !\nHi.\tSalut !\nGo.\tVa !\n"));
        var (source, target) = TranslationData.BuildVocabularies(pairs, numSteps: 3, minFreq: 1);
        var data = new TranslationData(pairs, source, target, 3);
        var (src, decIn, lens, label) = data.Batch(new[] { 0, 1 });
        Assert.Equal(new long[] { 2, 3 }, src.shape);
        Assert.Equal(new long[] { 3, 3 }, lens.data<long>().ToArray());
        Assert.Equal(new[] { "go", "now", "." }, src[0].data<long>().ToArray().Select(i => source.ToToken((int)i)));
        Assert.Equal(new[] { "hi", ".", "<eos>" }, src[1].data<long>().ToArray().Select(i => source.ToToken((int)i)));
        Assert.Equal(new[] { "<bos>", "va", "maintenant" }, decIn[0].data<long>().ToArray().Select(i => target.ToToken((int)i)));
        Assert.Equal(new[] { "va", "maintenant", "!" }, label[0].data<long>().ToArray().Select(i => target.ToToken((int)i)));
        Assert.Equal(new[] { "salut", "!", "<eos>" }, label[1].data<long>().ToArray().Select(i => target.ToToken((int)i)));
        var (_, _, shortLens, _) = data.Batch(new[] { 2 });
        Assert.Equal(new long[] { 3 }, shortLens.data<long>().ToArray());
        var (trimmed, _, _, _) = new TranslationData(pairs, source, target, 8).Batch(new[] { 1, 2 }, trim: true);
        Assert.Equal(new long[] { 2, 3 }, trimmed.shape);
    }
}
