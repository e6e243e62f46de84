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

    [Fact]
    public void PretrainingAndFineTuningRunOnSmallData()
    {
        string folder = TestSupport.TempFolder();
        // A tiny "WikiText": paragraphs of sentences separated by " . ".
        var random = new Random(1);
        string[] words = { "the", "cat", "sat", "on", "mat", "dog", "ran", "to", "park", "a", "bird", "sang" };
        string Sentence() => string.Join(' ', Enumerable.Range(0, 4 + random.Next(5)).Select(_ => words[random.Next(words.Length)]));
        File.WriteAllLines(Path.Combine(folder, "wiki.train.tokens"), Enumerable.Range(0, 200).Select(_ => $" {Sentence()} . {Sentence()} . {Sentence()} . "));
        string bertDir = Path.Combine(folder, "bert");
        var pretrain = Run("bert", "pretrain", "--data", folder, "--out", bertDir, "--steps", "10");
        Assert.True(pretrain.code == 0, pretrain.error);
        Assert.Contains("last step: MLM", pretrain.output);

        string nli = Path.Combine(folder, "nli");
        Directory.CreateDirectory(nli);
        string Line(string p, string h, string l) => JsonSerializer.Serialize(new { premise = p, hypothesis = h, label = l });
        var lines = Enumerable.Range(0, 60).Select(i => Line("the cat sat on the mat .", i % 2 == 0 ? "the cat sat ." : "the dog ran .", i % 2 == 0 ? "entailment" : "contradiction")).ToList();
        File.WriteAllLines(Path.Combine(nli, "snli_1.0_dev.pairs.jsonl"), lines);
        File.WriteAllLines(Path.Combine(nli, "multinli_1.0_dev_matched.pairs.jsonl"), lines.Take(10));
        string nliDir = Path.Combine(folder, "nli-run");
        var fineTune = Run("bert", "finetune-nli", "--init", Path.Combine(bertDir, "best.ckpt"), "--data", nli, "--out", nliDir, "--epochs", "2");
        Assert.True(fineTune.code == 0, fineTune.error);
        Assert.Contains("majority-class baseline", fineTune.output);
        var predicted = Run("bert", "predict-nli", "--model", Path.Combine(nliDir, "best.ckpt"), "the cat sat on the mat .", "the cat sat .");
        Assert.True(predicted.code == 0, predicted.error);
        Assert.Matches(@"^(entailment|neutral|contradiction) \(entailment 0\.\d{3}, neutral 0\.\d{3}, contradiction 0\.\d{3}\)", predicted.output);
    }
}
