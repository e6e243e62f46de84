using System.Text.RegularExpressions;
using Xunit;

namespace TransformerSharp.Tests.Cli;

public class TranslateCliTests
{
    static (int code, string output, string error) Run(params string[] args) => CliRunner.Run(args);

    /// <summary>A small made-up corpus in the fra.txt format, with one malformed line.</summary>
    static string Corpus()
    {
        string[] subjects = { "I", "You", "We", "They" }, french = { "Je", "Tu", "Nous", "Ils" };
        string[] verbs = { "see", "like", "want" }, verbsFr = { "vois", "aime", "veux" };
        string[] objects = { "it", "him", "her" }, objectsFr = { "le", "lui", "la" };
        var lines = new List<string>();
        for (int r = 0; r < 3; r++)
            for (int s = 0; s < 4; s++) for (int v = 0; v < 3; v++) for (int o = 0; o < 3; o++)
                lines.Add($"{subjects[s]} {verbs[v]} {objects[o]}.\t{french[s]} {verbsFr[v]} {objectsFr[o]}.");
        lines.Insert(5, "this line has no tab");
        string path = Path.Combine(TestSupport.TempFolder(), "fra.txt");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void TrainTranslateEvalAndBleuEndToEnd()
    {
        string data = Corpus(), outDir = TestSupport.TempFolder();
        var train = Run("translate", "train", "--data", data, "--out", outDir, "--epochs", "2", "--batch-size", "32", "--seed", "1");
        Assert.True(train.code == 0, train.error);
        Assert.Contains("1 malformed lines skipped", train.output);
        // 108 pairs, all for training (D2L's split takes 512 first): no validation loss, and no NaN printed for it.
        Assert.Contains("val loss n/a (no validation data)", train.output);
        Assert.DoesNotContain("NaN", train.output);
        Assert.Matches(new Regex(@"go \. => \[.*\], bleu,\d\.\d{3}"), train.output);
        string model = Path.Combine(outDir, "best.ckpt");

        var translated = Run("translate", "--model", model, "I see it.", "We like her.", "--beam", "3");
        Assert.True(translated.code == 0, translated.error);
        foreach (string bad in new[] { "0", "-3" })
        {
            Assert.Equal($"--beam must be at least 1, got {bad}", Run("translate", "--model", model, "I see it.", "--beam", bad).error.Trim());
            Assert.Equal($"--beam must be at least 1, got {bad}", Run("translate", "eval", "--model", model, "--test", data, "--beam", bad).error.Trim());
        }
        Assert.Equal(2, translated.output.TrimEnd('\n').Split('\n').Length);
        // One sentence printed as `translate eval` scores it: readable ("Je le vois."), not the model's tokens ("je le vois .").
        string oneTsv = Path.Combine(TestSupport.TempFolder(), "one.tsv"), hyp = Path.Combine(TestSupport.TempFolder(), "hyp.txt");
        File.WriteAllText(oneTsv, "I see it.\tJe le vois.\n");
        var scored = Run("translate", "eval", "--model", model, "--test", oneTsv, "--output", hyp);
        Assert.True(scored.code == 0, scored.error);
        string single = Run("translate", "--model", model, "I see it.").output.Trim();
        Assert.Equal(File.ReadAllLines(hyp)[0], single);
        Assert.True(single.Length > 0 && char.IsUpper(single[0]), single);

        string plots = TestSupport.TempFolder();
        var plotted = Run("translate", "--model", model, "I see it.", "--attention-plot", plots);
        Assert.True(plotted.code == 0, plotted.error);
        // Encoder self-attention: one panel per head (4) for each of the 2 blocks; cross-attention: one map per block.
        Assert.Equal((4 * 420, 380), TransformerSharp.Tests.Plots.PlotTests.PngSize(Path.Combine(plots, "encoder-self-attention--block-1.png")));
        Assert.Equal(4, Directory.GetFiles(plots, "*.png").Length);

        var unknown = Run("translate", "--model", model, "Zebras dance.");
        Assert.Equal(0, unknown.code);
        Assert.Contains("unknown word(s) 'zebras', 'dance'", unknown.error);

        var empty = Run("translate", "--model", model, "  ");
        Assert.Equal(1, empty.code);
        Assert.Contains("empty sentence", empty.error);

        string test = Path.Combine(TestSupport.TempFolder(), "test.tsv"), hyps = Path.Combine(TestSupport.TempFolder(), "hyp.txt");
        string[] references = { "Je le vois.", "Ils le veulent\u202f!" };
        File.WriteAllLines(test, new[] { $"I see it.\t{references[0]}", $"They want him.\t{references[1]}" });
        var evaluated = Run("translate", "eval", "--model", model, "--test", test, "--output", hyps);
        Assert.True(evaluated.code == 0, evaluated.error);
        Assert.Matches(new Regex(@"BLEU = \d+\.\d\d [\d.]+/[\d.]+/[\d.]+/[\d.]+ \(BP = "), evaluated.output);
        Assert.Contains("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp", evaluated.output);
        Assert.Contains("sacreBLEU's convention", evaluated.output);
        // Readable French: capital first letter, no space before the final full stop.
        Assert.All(File.ReadAllLines(hyps), h => Assert.True(char.IsUpper(h[0]) && !h.EndsWith(" ."), h));

        // The bleu command on the written hypotheses and the raw references prints the same score.
        string reference = Path.Combine(TestSupport.TempFolder(), "ref.txt");
        File.WriteAllLines(reference, references);
        var bleu = Run("bleu", "--hyp", hyps, "--ref", reference);
        Assert.True(bleu.code == 0, bleu.error);
        Assert.Equal(evaluated.output.Split('\n')[0], bleu.output.Split('\n')[0]);

        // D2L's comparison on request, named as such; its hypotheses are the model's lower-case tokens.
        var d2l = Run("translate", "eval", "--model", model, "--test", test, "--output", hyps, "--normalised");
        Assert.True(d2l.code == 0, d2l.error);
        Assert.Contains("D2L-normalised", d2l.output);
        Assert.All(File.ReadAllLines(hyps), h => Assert.Equal(h.ToLowerInvariant(), h));
    }

    [Theory]
    [InlineData("je le vois .", "Je le vois.")]
    [InlineData("ils le veulent !", "Ils le veulent !")]
    [InlineData("oui , je sais .", "Oui, je sais.")]
    [InlineData("", "")]
    public void FrenchOutputIsWrittenAsAReaderWouldWriteIt(string output, string readable) =>
        Assert.Equal(readable, TransformerSharp.Text.TranslationCorpus.Postprocess(output));

    [Fact]
    public void CtrlCStopsTrainingBeforeTheTableAndResumeFinishes()
    {
        string data = Corpus(), outDir = TestSupport.TempFolder(), last = Path.Combine(outDir, "last.ckpt");
        string[] args = { "translate", "train", "--data", data, "--out", outDir, "--epochs", "3", "--batch-size", "32", "--seed", "1" };
        var stopped = CliRunner.RunInterrupted("step ", args);      // at the first epoch's evaluation line
        Assert.True(stopped.code == 130, stopped.output + stopped.error);
        Assert.Contains($"resume with --resume {last}", CliRunner.Unwrapped(stopped.output));
        Assert.DoesNotContain(" => ", stopped.output);               // no table from a half-trained model
        var resumed = Run(args.Concat(new[] { "--resume", last }).ToArray());
        Assert.True(resumed.code == 0, resumed.error);
        Assert.Contains("go . => ", resumed.output);
    }

    [Fact]
    public void MissingDataNamesBothOptions()
    {
        var run = Run("translate", "train", "--data", "/nonexistent/fra.txt");
        Assert.Equal(1, run.code);
        Assert.Contains("/nonexistent/fra.txt", run.error);
    }

    [Fact]
    public void BinaryDataIsRefusedNamingTheFileAndOffset()
    {
        // Valid UTF-8 up to a NUL, as an executable's first bytes are: still not text.
        string binary = Path.Combine(TestSupport.TempFolder(), "program");
        File.WriteAllBytes(binary, [.. "ELF\tVa !\n"u8, 0, 1, 2, .. "Go.\tVa !\n"u8]);
        foreach (var args in new[] { new[] { "translate", "train", "--data", binary }, new[] { "gpt", "train", "--data", binary } })
        {
            var run = Run([.. args, "--out", TestSupport.TempFolder()]);
            Assert.Equal(1, run.code);
            Assert.Contains($"{binary}: a binary file, not text (NUL byte at offset 9)", run.error);
        }
    }

    [SkippableFact]
    public void D2LPresetReproducesTheBookTable()
    {
        string? shared = TestSupport.SharedData;
        Skip.If(shared is null, "../shared/data is absent: the D2L English–French corpus is needed");
        string outDir = TestSupport.TempFolder();
        var run = Run("translate", "train", "--data", Path.Combine(shared!, "fra-eng", "fra.txt"), "--out", outDir, "--seed", "0");
        Assert.True(run.code == 0, run.error);
        Assert.Contains("641 pairs", run.output);
        Assert.Contains("512 train, 129 validation", run.output);
        var lines = run.output.Split('\n').Where(l => l.Contains(" => ")).ToList();
        Assert.Equal(4, lines.Count);
        Assert.StartsWith("go . => ", lines[0]);
        // The README's figure: three of the four exact (bleu 1.000); "he's" is not in the 641-pair vocabulary.
        Assert.True(lines.Count(l => l.EndsWith("bleu,1.000")) >= 3, string.Join("\n", lines));
    }

    /// <summary>4,300 made-up pairs with names, enough for the full presets' 2,000/2,000 validation and test split.</summary>
    static string NamedCorpus()
    {
        string[] names = { "Tom", "Mary", "Paris" }, verbs = { "sees", "likes" }, frenchVerbs = { "voit", "aime" };
        string[] things = { "the car", "the house", "the dog", "the cat", "the book", "the tree", "the river", "the city" };
        string[] frenchThings = { "la voiture", "la maison", "le chien", "le chat", "le livre", "l'arbre", "la rivière", "la ville" };
        var random = new Random(3);
        var lines = Enumerable.Range(0, 4300).Select(_ =>
        {
            int n = random.Next(names.Length), v = random.Next(verbs.Length), t = random.Next(things.Length);
            return $"{names[n]} {verbs[v]} {things[t]}.\t{names[n]} {frenchVerbs[v]} {frenchThings[t]}.";
        });
        string path = Path.Combine(TestSupport.TempFolder(), "named.txt");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void TheHourPresetKeepsCaseAndScoresItsHeldOutPairsAsSacreBleuGreedyAndBeam()
    {
        string corpus = NamedCorpus(), outDir = TestSupport.TempFolder();
        var run = Run("translate", "train", "--preset", "full-hour", "--data", corpus, "--out", outDir, "--epochs", "1", "--layers", "1",
                      "--width", "32", "--heads", "2", "--ffn-width", "32");
        Assert.True(run.code == 0, run.error);
        string output = CliRunner.Unwrapped(run.output);
        Assert.Contains("held-out test pairs (2,000", output);
        Assert.Contains("greedy", output);
        Assert.Contains("beam 4", output);
        string[] rawLines = File.ReadAllLines(corpus), test = File.ReadAllLines(Path.Combine(outDir, "test.tsv"));
        Assert.Equal(2000, test.Length);
        Assert.All(test, line => Assert.Contains(line, rawLines));                       // the pairs exactly as the corpus has them
        var translated = Run("translate", "--model", Path.Combine(outDir, "last.ckpt"), "Mary likes the dog.");
        Assert.True(translated.code == 0, translated.error);
        Assert.DoesNotContain("unknown", translated.error);                                // "Mary" is in the cased vocabulary
    }
}
