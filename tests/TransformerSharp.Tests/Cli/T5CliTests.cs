using System.Text.Json;
using TransformerSharp.Checkpoints;
using TransformerSharp.Models.Gpt;
using TransformerSharp.Models.T5;
using TransformerSharp.Text;
using TransformerSharp.Torch;
using TransformerSharp.Training;
using Xunit;

namespace TransformerSharp.Tests.Cli;

public class T5CliTests
{
    static (int code, string output, string error) Run(params string[] args) => CliRunner.Run(args);

    static readonly string[] Items = { "car", "book", "ticket", "phone", "coat", "bike", "lamp", "desk" };
    static readonly string[] Names = { "Tom", "Mary", "Jack", "Lucy" };

    static string Record(int i, bool test)
    {
        string item = Items[i % Items.Length], name = Names[i % Names.Length];
        int price = 10 + i;
        string dialogue = $"#Person1#: Hello, I am {name}. I want to buy a {item}.\n#Person2#: The {item} costs {price} dollars.\n#Person1#: Good, I will take it.";
        string summary = $"{name} buys a {item} for {price} dollars.";
        var record = test
            ? new Dictionary<string, string> { ["fname"] = $"test_{i}", ["dialogue"] = dialogue, ["summary1"] = summary, ["summary2"] = $"#Person1# buys a {item}.", ["summary3"] = $"{name} pays {price} dollars." }
            : new Dictionary<string, string> { ["fname"] = $"train_{i}", ["dialogue"] = dialogue, ["summary"] = summary };
        return JsonSerializer.Serialize(record);
    }

    /// <summary>A DialogSum-shaped folder of made-up dialogues: 40 train, 6 dev, 5 test (three summaries each).</summary>
    internal static string DialogSumFolder()
    {
        string folder = TestSupport.TempFolder();
        File.WriteAllLines(Path.Combine(folder, "dialogsum.train.jsonl"), Enumerable.Range(0, 40).Select(i => Record(i, false)));
        File.WriteAllLines(Path.Combine(folder, "dialogsum.dev.jsonl"), Enumerable.Range(40, 6).Select(i => Record(i, false)));
        File.WriteAllLines(Path.Combine(folder, "dialogsum.test.jsonl"), Enumerable.Range(50, 5).Select(i => Record(i, true)));
        return folder;
    }

    [Fact]
    public void PretrainFinetuneEvalAndSummarizeEndToEnd()
    {
        string data = DialogSumFolder(), work = TestSupport.TempFolder();
        string text = Path.Combine(work, "text.txt");
        File.WriteAllLines(text, Enumerable.Repeat("the quick brown fox jumps over the lazy dog near the river bank every morning", 30));
        string pre = Path.Combine(work, "pre"), ft = Path.Combine(work, "ft"), scratch = Path.Combine(work, "scratch");

        var pretrained = Run("t5", "pretrain", "--preset", "tiny", "--data", data, "--data", text, "--iterations", "6", "--out", pre, "--seed", "1");
        Assert.True(pretrained.code == 0, pretrained.error);
        Assert.Contains("40 documents", pretrained.output);                    // the training dialogues, not dev or test
        Assert.Contains("final: train loss", pretrained.output);
        string preCkpt = Path.Combine(pre, "best.ckpt");
        Assert.True(File.Exists(preCkpt));

        var spans = Run("t5", "summarize", "--model", preCkpt, "--beam", "1", "I want to <extra_id_0> a car");
        Assert.True(spans.code == 0, spans.error);
        Assert.Contains("pretrained only", spans.error);

        var finetuned = Run("t5", "finetune", "--init", preCkpt, "--data", data, "--preset", "tiny", "--iterations", "6", "--out", ft, "--seed", "1");
        Assert.True(finetuned.code == 0, finetuned.error);
        Assert.Contains($"starting from {preCkpt}", CliRunner.Unwrapped(finetuned.output));
        string ftCkpt = Path.Combine(ft, "best.ckpt");

        string hypotheses = Path.Combine(work, "hyp.txt");
        var evaluated = Run("t5", "eval", "--model", ftCkpt, "--test", Path.Combine(data, "dialogsum.test.jsonl"), "--beam", "2", "--output", hypotheses);
        Assert.True(evaluated.code == 0, evaluated.error);
        var lines = evaluated.output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("ROUGE")).ToList();
        Assert.Equal(4, lines.Count);
        Assert.Matches(@"^ROUGE-1 = \d+\.\d{4}$", lines[0]);
        Assert.StartsWith("ROUGE-Lsum = ", lines[3]);
        Assert.Equal(5, File.ReadAllLines(hypotheses).Length);

        // The rouge verb on the same hypotheses and the three reference files gives the same lines.
        var tests = DialogSum.Read(Path.Combine(data, "dialogsum.test.jsonl"));
        var refs = Enumerable.Range(0, 3).Select(k =>
        {
            string path = Path.Combine(work, $"ref{k + 1}.txt");
            File.WriteAllLines(path, tests.Select(d => d.Summaries[k]));
            return path;
        }).ToList();
        var rouge = Run("rouge", "--hyp", hypotheses, "--ref", refs[0], "--ref", refs[1], "--ref", refs[2]);
        Assert.True(rouge.code == 0, rouge.error);
        Assert.Equal(lines, rouge.output.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        // Against the first references as another system: the same four lines, then each type's paired comparison.
        var compared = Run("rouge", "--hyp", hypotheses, "--ref", refs[1], "--ref", refs[2], "--against", refs[0], "--resamples", "200");
        Assert.True(compared.code == 0, compared.error);
        var comparison = compared.output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(8, comparison.Length);
        Assert.Matches(@"^ROUGE-1 = \d+\.\d{4}$", comparison[0]);
        Assert.Matches(@"^ROUGE-2: \d+\.\d{4} against \d+\.\d{4}, difference [+-]\d+\.\d{4}, 95 % interval \[[+-]\d+\.\d{4}, [+-]\d+\.\d{4}\], ahead in \d+\.\d % of 200 resamples$",
                       comparison[5]);
        var shortOther = Path.Combine(work, "short.txt");
        File.WriteAllLines(shortOther, new[] { "one line" });
        var misaligned = Run("rouge", "--hyp", hypotheses, "--ref", refs[0], "--against", shortOther);
        Assert.Equal(1, misaligned.code);
        Assert.Contains($"{shortOther} has 1", misaligned.error);

        var summary = Run("t5", "summarize", "--model", ftCkpt, "#Person1#: Hello, I am Tom. I want to buy a car.\n#Person2#: The car costs 12 dollars.");
        Assert.True(summary.code == 0, summary.error);
        Assert.Single(summary.output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var byWords = Run("t5", "summarize", "--model", ftCkpt, "--no-repeat-ngram", "2", "--no-repeat-unit", "word", "--beam", "2", "#Person1#: Hello, I am Tom.");
        Assert.True(byWords.code == 0, byWords.error);
        Assert.True(byWords.output.TrimEnd('\n').Split('\n').Length == 1, byWords.output); // one summary, which a 20-step model may leave empty
        var penalised = Run("t5", "eval", "--model", ftCkpt, "--test", Path.Combine(data, "dialogsum.test.jsonl"), "--repetition-penalty", "1.3",
                            "--encoder-repetition-penalty", "2");
        Assert.True(penalised.code == 0, penalised.error);
        Assert.Contains("ROUGE-2 = ", penalised.output);

        var fromScratch = Run("t5", "finetune", "--init", "none", "--tokenizer-from", preCkpt, "--data", data, "--preset", "tiny", "--iterations", "4",
                              "--max-train-samples", "10", "--out", scratch);
        Assert.True(fromScratch.code == 0, fromScratch.error);
        Assert.Contains("random weights", fromScratch.output);
        Assert.Contains("fine-tuning on the first 10 of 40 training dialogues", fromScratch.output);
        Assert.Contains("10 training and 6 dev dialogues", fromScratch.output);

        var baselines = Run("t5", "baselines", "--test", Path.Combine(data, "dialogsum.test.jsonl"), "--stem");
        Assert.True(baselines.code == 0, baselines.error);
        Assert.Contains("first three utterances", baselines.output);
        Assert.Contains("human: summary1 against the others", baselines.output);
    }

    [Fact]
    public void PretrainingResumesExactly()
    {
        string data = DialogSumFolder(), once = TestSupport.TempFolder(), twice = TestSupport.TempFolder();
        Assert.Equal(0, Run("t5", "pretrain", "--preset", "tiny", "--data", data, "--iterations", "6", "--out", once).code);
        Assert.Equal(0, Run("t5", "pretrain", "--preset", "tiny", "--data", data, "--iterations", "3", "--out", twice).code);
        var resumed = Run("t5", "pretrain", "--preset", "tiny", "--data", data, "--iterations", "6", "--out", twice, "--resume", Path.Combine(twice, "last.ckpt"));
        Assert.True(resumed.code == 0, resumed.error);
        double[] Losses(string folder) => Checkpoint.ReadHeader(Path.Combine(folder, "last.ckpt")).Training!["train_losses"]!.AsArray()
            .Select(l => l![1]!.GetValue<double>()).ToArray();
        Assert.Equal(6, Losses(once).Length);
        Assert.Equal(Losses(once), Losses(twice));
    }

    /// <summary>A DialogSum folder and a tiny T5 pretrained on it for two steps (without dropout).</summary>
    static (string data, string checkpoint) TinyPretrained()
    {
        string data = DialogSumFolder(), pre = TestSupport.TempFolder();
        Assert.Equal(0, Run("t5", "pretrain", "--preset", "tiny", "--data", data, "--iterations", "2", "--out", pre).code);
        return (data, Path.Combine(pre, "best.ckpt"));
    }

    [Fact]
    public void DropoutOverridesThePretrainedRateButNotAResumedRun()
    {
        var (data, pretrained) = TinyPretrained();
        string ft = TestSupport.TempFolder();
        var finetuned = Run("t5", "finetune", "--init", pretrained, "--data", data, "--preset", "tiny", "--iterations", "2", "--dropout", "0.25", "--out", ft);
        Assert.True(finetuned.code == 0, finetuned.error);
        Assert.Contains("dropout 0.25", finetuned.output);
        string last = Path.Combine(ft, "last.ckpt");
        double Rate(string checkpoint) => Checkpoint.ReadHeader(checkpoint).Config["dropout_rate"]!.GetValue<double>();
        Assert.Equal(0.0, Rate(pretrained));
        Assert.Equal(0.25, Rate(last));

        var resumed = Run("t5", "finetune", "--init", pretrained, "--data", data, "--preset", "tiny", "--iterations", "3",
                          "--dropout", "0.5", "--out", ft, "--resume", last);
        Assert.Equal(1, resumed.code);
        Assert.Contains("--dropout 0.5", resumed.error);
        Assert.Contains("dropout 0.25", resumed.error);
    }

    [Fact]
    public void KeepCheckpointsAveragesTheLastModelsAndBf16Trains()
    {
        var (data, pretrained) = TinyPretrained();
        string ft = TestSupport.TempFolder();
        var finetuned = Run("t5", "finetune", "--init", pretrained, "--data", data, "--preset", "tiny", "--iterations", "6", "--keep-checkpoints", "2",
                            "--bf16", "true", "--out", ft);
        Assert.True(finetuned.code == 0, finetuned.error);
        string averaged = Path.Combine(ft, "averaged.ckpt");
        Assert.Contains("averaged the models of the last 2 evaluations", CliRunner.Unwrapped(finetuned.output));
        Assert.Equal(new[] { "step-0000003.ckpt", "step-0000006.ckpt" }, Trainer.Snapshots(ft).Select(Path.GetFileName));
        var (mean, _, _, _) = T5Checkpoint.Load(averaged);
        var (first, _, _, _) = T5Checkpoint.Load(Path.Combine(ft, "step-0000003.ckpt"));
        var (second, _, _, _) = T5Checkpoint.Load(Path.Combine(ft, "step-0000006.ckpt"));
        using (mean) using (first) using (second)
        {
            var a = first.state_dict()["shared.weight"];
            var b = second.state_dict()["shared.weight"];
            var m = mean.state_dict()["shared.weight"];
            Assert.True(m.allclose(a.Plus(b).DivideInPlace(2), rtol: 1e-6, atol: 1e-7));
            Assert.False(a.allclose(b, rtol: 0, atol: 0));
        }
        var evaluated = Run("t5", "eval", "--model", averaged, "--test", Path.Combine(data, "dialogsum.test.jsonl"));
        Assert.True(evaluated.code == 0, evaluated.error);
        Assert.Contains("ROUGE-2 = ", evaluated.output);
        Assert.Contains("--keep-checkpoints must be 0 (none) or more, got -1",
                        Run("t5", "finetune", "--init", pretrained, "--data", data, "--keep-checkpoints", "-1", "--out", ft).error);
    }

    [Fact]
    public void LabelSmoothingReachesTheFinetuningLossAndIsCheckedAsAnOption()
    {
        var (data, pretrained) = TinyPretrained();
        double FirstLoss(double smoothing)
        {
            var recipe = T5Presets.Tiny with { Finetuning = T5Presets.Tiny.Finetuning with { Iterations = 1, LabelSmoothing = smoothing } };
            var settings = new T5FinetuneSettings(data, pretrained, null, "tiny", recipe, Seed: 0, TestSupport.TempFolder());
            double first = double.NaN;
            using var model = T5Training.Finetune(settings, new TrainingObserver { Step = p => first = p.Loss }).Model;
            return first;
        }
        double plain = FirstLoss(0), smoothed = FirstLoss(0.3);
        Assert.True(double.IsFinite(plain) && double.IsFinite(smoothed));
        Assert.True(Math.Abs(plain - smoothed) > 1e-3, $"the same first loss with and without smoothing: {plain}");
        Assert.Contains("--label-smoothing", Run("t5", "finetune", "--init", pretrained, "--data", data, "--label-smoothing", "1.5",
                                                 "--out", TestSupport.TempFolder()).error);
    }

    [Fact]
    public void ThePresetsFinetuningDropoutAppliesToAPretrainedModel()
    {
        var (data, pretrained) = TinyPretrained();
        var recipe = T5Presets.Tiny with { Finetuning = T5Presets.Tiny.Finetuning with { Iterations = 2 }, FinetuningDropout = 0.3 };
        var settings = new T5FinetuneSettings(data, pretrained, null, "tiny", recipe, Seed: 0, TestSupport.TempFolder());
        var outcome = T5Training.Finetune(settings, TrainingObserver.Silent);
        using var model = outcome.Model;
        Assert.Equal(0.3, model.Config.DropoutRate);
        Assert.Equal(0.1, T5Presets.DialogSumCpu.FinetuningDropout);
        Assert.Equal(0.0, T5Presets.DialogSumCpu.Model.DropoutRate);                 // pretraining runs without
    }

    [Fact]
    public void CorruptShowsInputsAndTargets()
    {
        var (code, output, error) = Run("t5", "corrupt", "I love this red car and I drive it to work every day", "--seed", "2");
        Assert.True(code == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("inputs:  ", lines[0]);
        Assert.Contains("<extra_id_0>", lines[0]);
        Assert.StartsWith("targets: <extra_id_0> ", lines[1]);
        Assert.EndsWith("</s>", lines[1]);
    }

    [Fact]
    public void BadInputsGetClearErrors()
    {
        string data = DialogSumFolder(), work = TestSupport.TempFolder();
        // A jsonl line that is not JSON: the file and line are named.
        string bad = Path.Combine(work, "bad.jsonl");
        File.WriteAllLines(bad, new[] { Record(1, false), "{not json", Record(2, false) });
        var badLine = Run("t5", "pretrain", "--preset", "tiny", "--data", bad, "--out", work);
        Assert.Equal(1, badLine.code);
        Assert.Contains($"{bad}, line 2: not JSON", badLine.error);
        File.WriteAllLines(bad, new[] { Record(1, false), "", Record(2, false) });
        Assert.Contains("line 2: empty line", Run("t5", "pretrain", "--preset", "tiny", "--data", bad, "--out", work).error);
        File.WriteAllLines(bad, new[] { "{\"dialogue\": \"  \", \"summary\": \"x\"}" });
        Assert.Contains("line 1: the record has no dialogue text", Run("t5", "baselines", "--test", bad).error);

        // A checkpoint of another family.
        string gptPath = Path.Combine(work, "gpt.ckpt");
        var config = new GptConfig(Layers: 1, Heads: 2, Width: 8, MaxPositions: 8, VocabSize: 5);
        using (var gpt = new Gpt(config)) Checkpoint.Save(gptPath, GptCheckpoint.Kind, GptCheckpoint.Describe(config, new CharTokenizer("abcde")), gpt);
        var wrongKind = Run("t5", "finetune", "--init", gptPath, "--data", data, "--preset", "tiny", "--out", work);
        Assert.Equal(1, wrongKind.code);
        Assert.Contains("gpt", wrongKind.error);
        Assert.Single(wrongKind.error.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        // Line counts that differ.
        string hyp = Path.Combine(work, "hyp.txt"), reference = Path.Combine(work, "ref.txt");
        File.WriteAllLines(hyp, new[] { "a", "b", "c" });
        File.WriteAllLines(reference, new[] { "a", "b" });
        var mismatch = Run("rouge", "--hyp", hyp, "--ref", reference);
        Assert.Equal(1, mismatch.code);
        Assert.Contains("has 3 lines but", mismatch.error);
        Assert.Contains("has 2", mismatch.error);

        // Binary data is refused, naming the file and offset.
        string binary = Path.Combine(work, "binary.txt");
        File.WriteAllBytes(binary, new byte[] { (byte)'a', (byte)'b', 0xFF, 0xFE, (byte)'c' });
        var notText = Run("t5", "pretrain", "--preset", "tiny", "--data", binary, "--out", work);
        Assert.Equal(1, notText.code);
        Assert.Contains($"{binary}: not UTF-8 text (invalid byte 0xFF at offset 2)", notText.error);

        Assert.Contains("--init", Run("t5", "finetune", "--init", Path.Combine(work, "missing.ckpt"), "--data", data, "--out", work).error);
        Assert.Equal("--max-train-samples must be at least 1, got 0",
                     Run("t5", "finetune", "--init", "none", "--data", data, "--max-train-samples", "0", "--out", work).error.Trim());
        Assert.Equal("--beam must be at least 1, got 0", Run("t5", "summarize", "--model", gptPath, "--beam", "0", "x").error.Trim());
        Assert.Equal("--no-repeat-ngram must be 0 (off) or more, got -1", Run("t5", "eval", "--model", gptPath, "--test", bad, "--no-repeat-ngram", "-1").error.Trim());
        Assert.Contains("--no-repeat-unit", Run("t5", "summarize", "--model", gptPath, "--no-repeat-unit", "sentence", "x").error);
        Assert.Equal("--repetition-penalty must be above 0 (1: off), got 0", Run("t5", "summarize", "--model", gptPath, "--repetition-penalty", "0", "x").error.Trim());
        Assert.Equal("--encoder-repetition-penalty must be above 0 (1: off), got -1",
                     Run("t5", "eval", "--model", gptPath, "--test", bad, "--encoder-repetition-penalty", "-1").error.Trim());
    }
}
