using System.Text.Json;
using TransformerSharp.Text;
using Xunit;

namespace TransformerSharp.Tests.Cli;

public class BertCliTests
{
    static (int code, string output, string error) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void EmbedWritesUnitLengthJsonLinesAndSimilarityAgrees()
    {
        string folder = TestSupport.TempFolder();
        string input = Path.Combine(folder, "in.txt"), output = Path.Combine(folder, "out.jsonl");
        File.WriteAllLines(input, new[] { "A man is playing a guitar.", "Someone plays music." });
        var run = Run("bert", "embed", "--pretrained", "minilm", "--input", input, "--output", output, "--hidden-states");
        Assert.True(run.code == 0, run.error);
        var records = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, records.Count);
        float[][] embeddings = records.Select(r => r.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray()).ToArray();
        Assert.All(embeddings, e => Assert.Equal(384, e.Length));
        Assert.All(embeddings, e => Assert.Equal(1.0, Math.Sqrt(e.Sum(v => (double)v * v)), 4));
        int tokens = records[0].GetProperty("token_ids").GetArrayLength();
        Assert.Equal(tokens, records[0].GetProperty("last_hidden_state").GetArrayLength());

        var similarity = Run("bert", "similarity", "--pretrained", "minilm", "A man is playing a guitar.", "Someone plays music.");
        Assert.True(similarity.code == 0, similarity.error);
        double expected = embeddings[0].Zip(embeddings[1], (a, b) => (double)a * b).Sum();
        Assert.Equal(expected, double.Parse(similarity.output.Trim(), System.Globalization.CultureInfo.InvariantCulture), 3);
    }

    [Fact]
    public void EmptyLinesAndOverlongInputsAreReported()
    {
        string folder = TestSupport.TempFolder();
        string empty = Path.Combine(folder, "empty.txt");
        File.WriteAllLines(empty, new[] { "fine", "", "also fine" });
        var run = Run("bert", "embed", "--input", empty);
        Assert.Equal(1, run.code);
        Assert.Contains($"{empty}:2: the line is empty", run.error);

        string longFile = Path.Combine(folder, "long.txt");
        File.WriteAllLines(longFile, new[] { string.Join(' ', Enumerable.Repeat("word", 700)) });
        var truncated = Run("bert", "embed", "--input", longFile);
        Assert.Equal(0, truncated.code);
        Assert.Contains($"{longFile}:1: longer than 512 tokens, truncated", truncated.error);
    }

    /// <summary>A tiny "WikiText" in the folder: paragraphs of sentences separated by " . ".</summary>
    static string TinyWikiText(string folder)
    {
        var random = new Random(1);
        string[] words = { "the", "cat", "sat", "on", "mat", "dog", "ran", "to", "park", "a", "bird", "sang" };
        string Sentence() => string.Join(' ', Enumerable.Range(0, 4 + random.Next(5)).Select(_ => words[random.Next(words.Length)]));
        File.WriteAllLines(Path.Combine(folder, "wiki.train.tokens"), Enumerable.Range(0, 200).Select(_ => $" {Sentence()} . {Sentence()} . {Sentence()} . "));
        return folder;
    }

    /// <summary>SNLI and MultiNLI files of 60 and 10 easy pairs, in a folder "nli" under the given one.</summary>
    internal static string TinyNli(string folder)
    {
        string nli = Path.Combine(folder, "nli");
        Directory.CreateDirectory(nli);
        string Line(string p, string h, string l) => JsonSerializer.Serialize(new { premise = p, hypothesis = h, label = l });
        var lines = Enumerable.Range(0, 60).Select(i => Line("the cat sat on the mat .", i % 2 == 0 ? "the cat sat ." : "the dog ran .", i % 2 == 0 ? "entailment" : "contradiction")).ToList();
        File.WriteAllLines(Path.Combine(nli, "snli_1.0_dev.pairs.jsonl"), lines);
        File.WriteAllLines(Path.Combine(nli, "multinli_1.0_dev_matched.pairs.jsonl"), lines.Take(10));
        return nli;
    }

    [Fact]
    public void PretrainingAndFineTuningRunOnSmallData()
    {
        string folder = TinyWikiText(TestSupport.TempFolder());
        string bertDir = Path.Combine(folder, "bert");
        var pretrain = Run("bert", "pretrain", "--data", folder, "--out", bertDir, "--steps", "10");
        Assert.True(pretrain.code == 0, pretrain.error);
        Assert.Contains("last step: MLM", pretrain.output);

        string nli = TinyNli(folder);
        string nliDir = Path.Combine(folder, "nli-run");
        var fineTune = Run("bert", "finetune-nli", "--init", Path.Combine(bertDir, "best.ckpt"), "--data", nli, "--out", nliDir, "--epochs", "2");
        Assert.True(fineTune.code == 0, fineTune.error);
        Assert.Contains("majority-class baseline", fineTune.output);
        var predicted = Run("bert", "predict-nli", "--model", Path.Combine(nliDir, "best.ckpt"), "the cat sat on the mat .", "the cat sat .");
        Assert.True(predicted.code == 0, predicted.error);
        Assert.Matches(@"^(entailment|neutral|contradiction) \(entailment 0\.\d{3}, neutral 0\.\d{3}, contradiction 0\.\d{3}\)", predicted.output);
    }

    [Fact]
    public void CtrlCInPretrainingSavesAndResumeEndsLikeAStraightRun()
    {
        string folder = TinyWikiText(TestSupport.TempFolder());
        string straightDir = Path.Combine(folder, "straight"), splitDir = Path.Combine(folder, "split");
        var straight = Run("bert", "pretrain", "--data", folder, "--out", straightDir, "--steps", "20");
        Assert.True(straight.code == 0, straight.error);

        var stopped = CliRunner.RunInterrupted("step 10:", "bert", "pretrain", "--data", folder, "--out", splitDir, "--steps", "20");
        Assert.True(stopped.code == 130, stopped.output + stopped.error);
        Assert.Contains($"interrupted at step 10; resume with --resume {Path.Combine(splitDir, "last.ckpt")}", CliRunner.Unwrapped(stopped.output));
        Assert.DoesNotContain("last step: MLM", stopped.output);

        var resumed = Run("bert", "pretrain", "--data", folder, "--out", splitDir, "--steps", "20", "--resume", Path.Combine(splitDir, "last.ckpt"));
        Assert.True(resumed.code == 0, resumed.error);
        static string Figures(string output)     // the losses, without the time
        {
            string line = output.Split('\n').Single(l => l.StartsWith("first step:"));
            return line[..line.LastIndexOf(';')];
        }
        Assert.Equal(Figures(straight.output), Figures(resumed.output));

        File.WriteAllLines(Path.Combine(folder, "wiki.train.tokens"), new[] { " other words here . and more of them . " });
        var otherData = Run("bert", "pretrain", "--data", folder, "--out", splitDir, "--steps", "20", "--resume", Path.Combine(splitDir, "last.ckpt"));
        Assert.Equal(1, otherData.code);
        Assert.Contains("its vocabulary differs from this text's", otherData.error);
    }

    [Fact]
    public void CtrlCInFineTuningOrItsTestEvaluationStopsWith130AndResumeFinishes()
    {
        string folder = TinyWikiText(TestSupport.TempFolder()), nli = TinyNli(folder);
        string bertDir = Path.Combine(folder, "bert");
        Assert.Equal(0, Run("bert", "pretrain", "--data", folder, "--out", bertDir, "--steps", "10").code);
        string init = Path.Combine(bertDir, "best.ckpt"), nliDir = Path.Combine(folder, "nli-run"), last = Path.Combine(nliDir, "last.ckpt");

        // During training (the first epoch's evaluation line): last.ckpt, exit 130, no test table.
        var stopped = CliRunner.RunInterrupted("step ", "bert", "finetune-nli", "--init", init, "--data", nli, "--out", nliDir, "--epochs", "3");
        Assert.True(stopped.code == 130, stopped.output + stopped.error);
        Assert.True(File.Exists(last));
        Assert.DoesNotContain("majority-class baseline", stopped.output);

        // After training, during the test evaluation: stops there, exit 130.
        var duringTest = CliRunner.RunInterrupted("loss curve:", "bert", "finetune-nli", "--init", init, "--data", nli, "--out", nliDir, "--epochs", "3", "--resume", last);
        Assert.True(duringTest.code == 130, duringTest.output + duringTest.error);
        Assert.Contains("interrupted", duringTest.error);
        Assert.DoesNotContain("majority-class baseline", duringTest.output);

        // Ctrl+C in the pretraining that --init d2l-small starts with: says how to go on, and fine-tunes nothing.
        string fromScratch = Path.Combine(folder, "from-scratch");
        var inPretraining = CliRunner.RunInterrupted("step 10:", "bert", "finetune-nli", "--init", "d2l-small", "--wikitext", folder, "--data", nli, "--out", fromScratch);
        Assert.True(inPretraining.code == 130, inPretraining.output + inPretraining.error);
        Assert.Contains($"to go on: bert pretrain --preset d2l-small --out {Path.Combine(fromScratch, "pretrain")} --resume", CliRunner.Unwrapped(inPretraining.output));
        Assert.False(File.Exists(Path.Combine(fromScratch, "last.ckpt")));

        // Resuming a finished training goes straight to the test evaluation.
        var finished = Run("bert", "finetune-nli", "--init", init, "--data", nli, "--out", nliDir, "--epochs", "3", "--resume", last);
        Assert.True(finished.code == 0, finished.error);
        Assert.Contains("majority-class baseline", finished.output);
    }
}
