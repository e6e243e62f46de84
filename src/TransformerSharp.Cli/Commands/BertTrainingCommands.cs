using System.CommandLine;
using System.Text.Json.Nodes;
using TransformerSharp.Cli.Pretrained;
using Spectre.Console;
using TransformerSharp.Models;
using TransformerSharp.Text;
using TransformerSharp.Torch;
using TransformerSharp.Training;

namespace TransformerSharp.Cli.Commands;

/// <summary>A BERT pretraining recipe.</summary>
public sealed record BertPreset(int Hidden, int Layers, int Heads, int Ffn, double Dropout, int BatchSize, int Steps, double LearningRate, int Warmup)
{
    /// <summary>D2L 15.10: 2 blocks, 128 wide, 2 heads, FFN 256, dropout 0.2, batch 512, Adam lr 0.01, 50 steps.</summary>
    public static readonly BertPreset D2LSmall = new(128, 2, 2, 256, 0.2, 512, 50, 0.01, 0);
    /// <summary>A longer run for a stronger model: 4 blocks, 256 wide, 4 heads, FFN 512, 2,000 steps with warmup and cosine decay.</summary>
    public static readonly BertPreset Base = new(256, 4, 4, 512, 0.1, 128, 2000, 1e-3, 100);
    public static readonly IReadOnlyDictionary<string, BertPreset> All = new Dictionary<string, BertPreset> { ["d2l-small"] = D2LSmall, ["base-long"] = Base };
}

public static class BertTrainingCommands
{
    public static Command Pretrain(CliContext context)
    {
        var preset = new Option<string>("--preset") { DefaultValueFactory = _ => "d2l-small" };
        preset.AcceptOnlyFromAmong(BertPreset.All.Keys.ToArray());
        var data = new Option<string?>("--data") { Description = $"WikiText-2 folder or wiki.train.tokens (else ${DataSource.WikiText2.EnvironmentVariable}, else a verified download)" };
        var outDir = new Option<DirectoryInfo>("--out") { DefaultValueFactory = _ => new DirectoryInfo("runs/bert") };
        var steps = new Option<int?>("--steps");
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 0 };
        var command = new Command("pretrain", "Pretrain BERT on WikiText-2 with masked language modelling and next-sentence prediction (D2L 15.9–15.10).")
        {
            preset, data, outDir, steps, seed,
        };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            BertPreset p = BertPreset.All[parse.GetValue(preset)!];
            long seedValue = parse.GetValue(seed);
            string text = DataSource.ReadText(DataSource.WikiText2, parse.GetValue(data));
            var corpus = new WikiTextBert(text.Split('\n'), maxLength: 64, seed: (int)seedValue);
            context.Console.MarkupLineInterpolated($"{corpus.Examples.Count:N0} sentence pairs, vocabulary {corpus.Vocab.Count:N0} (words seen at least 5 times)");
            TorchRuntime.Seed(seedValue);
            var config = BertConfig.D2LSmall(corpus.Vocab.Count) with { Hidden = p.Hidden, Layers = p.Layers, Heads = p.Heads, Intermediate = p.Ffn, Dropout = p.Dropout };
            var model = new BertForPretraining(config);
            var task = new BertPretrainingTask(model, corpus, p.BatchSize, seedValue);
            int stepCount = parse.GetValue(steps) ?? p.Steps;
            var schedule = p.Warmup > 0 ? new LearningRateSchedule(p.LearningRate, p.LearningRate / 10, p.Warmup, stepCount) : LearningRateSchedule.Constant(p.LearningRate);
            var options = new TrainerOptions(stepCount, schedule, seedValue, WeightDecay: 0, Beta1: 0.9, Beta2: 0.999, ClipNorm: 1.0,
                                             EvalInterval: Math.Max(1, stepCount / 5), OutDir: parse.GetValue(outDir)!.FullName);
            var result = TrainingView.Run(context, task, options, null, "bert");
            var (mlm, nsp) = task.LastEvaluation;
            context.Console.MarkupLineInterpolated($"first step: MLM + NSP loss {result.TrainLosses[0].Loss:F3}; last step: MLM {task.LastMlm:F3}, NSP {task.LastNsp:F3}; held-out: MLM {mlm:F3}, NSP {nsp:F3}; {result.Elapsed.TotalSeconds:F1} s");
            return 0;
        }));
        return command;
    }
}

/// <summary>bert finetune-nli and bert predict-nli.</summary>
public static class BertNliCommands
{
    const string SnliFile = "snli_1.0_dev.pairs.jsonl", MnliFile = "multinli_1.0_dev_matched.pairs.jsonl", NliVariable = "TRANSFORMERSHARP_NLI";

    public static Command FineTune(CliContext context)
    {
        var init = new Option<string>("--init") { Description = "minilm, d2l-small (pretrain D2L's small BERT first) or a 'bert pretrain' checkpoint", DefaultValueFactory = _ => "minilm" };
        var data = new Option<DirectoryInfo?>("--data") { Description = $"folder with {SnliFile} and {MnliFile} (else ${NliVariable})" };
        var wikitext = new Option<string?>("--wikitext") { Description = "WikiText-2 for --init d2l-small (else $TRANSFORMERSHARP_WIKITEXT2, else a download)" };
        var outDir = new Option<DirectoryInfo>("--out") { DefaultValueFactory = _ => new DirectoryInfo("runs/bert-nli") };
        var epochs = new Option<int?>("--epochs") { Description = "default 2 (minilm), 5 (D2L's small BERT)" };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 0 };
        var command = new Command("finetune-nli", "Fine-tune BERT for entailment / neutral / contradiction on SNLI; test on SNLI and MultiNLI.")
        {
            init, data, wikitext, outDir, epochs, seed,
        };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            string folder = parse.GetValue(data)?.FullName ?? Environment.GetEnvironmentVariable(NliVariable)
                ?? throw new ArgumentException($"no NLI data: pass --data DIR (holding {SnliFile} and {MnliFile}) or set ${NliVariable}=DIR");
            var snli = NliData.Read(Path.Combine(folder, SnliFile));
            var mnli = NliData.Read(Path.Combine(folder, MnliFile));
            long seedValue = parse.GetValue(seed);
            var (train, test) = NliData.Split(snli, 0.2, seedValue);
            var (bert, encoder, describe) = Initial(context, parse.GetValue(init)!, parse.GetValue(wikitext), seedValue);
            bool small = encoder is WordPairEncoder;
            TorchRuntime.Seed(seedValue + 1);
            var classifier = new BertClassifier(bert, 3);
            var task = new NliTask(classifier, encoder, train, test, small ? 64 : 32, seedValue, describe);
            int steps = (parse.GetValue(epochs) ?? (small ? 5 : 2)) * task.StepsPerEpoch;
            double lr = small ? 1e-4 : 5e-5;
            var options = new TrainerOptions(steps, new LearningRateSchedule(lr, 0, steps / 10, steps), seedValue, WeightDecay: 0.01,
                                             Beta1: 0.9, Beta2: 0.999, ClipNorm: 1.0, EvalInterval: task.StepsPerEpoch, OutDir: parse.GetValue(outDir)!.FullName);
            context.Console.MarkupLineInterpolated($"SNLI dev split {train.Count:N0} train / {test.Count:N0} test (seed {seedValue}); MultiNLI matched dev {mnli.Count:N0} for out-of-domain testing");
            var result = TrainingView.Run(context, task, options, null, "nli");
            var table = new Table().AddColumns("test set", "pairs", "accuracy", "majority-class baseline");
            table.AddRow("SNLI (held-out part of dev)", test.Count.ToString("N0"), NliTask.Accuracy(classifier, encoder, test).ToString("P1"), NliData.MajorityBaseline(train, test).ToString("P1"));
            table.AddRow("MultiNLI dev matched", mnli.Count.ToString("N0"), NliTask.Accuracy(classifier, encoder, mnli).ToString("P1"), NliData.MajorityBaseline(train, mnli).ToString("P1"));
            context.Console.Write(table);
            context.Console.MarkupLineInterpolated($"fine-tuned in {result.Elapsed.TotalSeconds:F0} s");
            return 0;
        }));
        return command;
    }

    /// <summary>The encoder to start from, its pair encoder, and what a checkpoint needs to rebuild both.</summary>
    static (Bert bert, IPairEncoder encoder, JsonObject describe) Initial(CliContext context, string init, string? wikitext, long seed)
    {
        if (init == "minilm")
            return (MiniLm.Model(), new WordPiecePairEncoder(MiniLm.Tokenizer()),
                    new JsonObject { ["config"] = BertCheckpoint.DescribeConfig(BertConfig.MiniLM), ["tokenizer"] = "minilm" });
        string checkpoint = init;
        if (init == "d2l-small")
        {
            checkpoint = Path.Combine(Path.GetTempPath(), $"transformersharp-d2l-small-{Guid.NewGuid():N}");
            context.Console.MarkupLine("pretraining D2L's small BERT on WikiText-2 first (bert pretrain --preset d2l-small)");
            int code = CliApp.Build(context).Parse(new[] { "bert", "pretrain", "--out", checkpoint, "--seed", seed.ToString() }
                .Concat(wikitext is null ? Array.Empty<string>() : new[] { "--data", wikitext }).ToArray()).Invoke();
            if (code != 0) throw new InvalidOperationException("pretraining failed");
            checkpoint = Path.Combine(checkpoint, "best.ckpt");
        }
        var (_, metadata) = Checkpoint.ReadHeader(checkpoint, "bert");
        var config = BertCheckpoint.ReadConfig(metadata["config"]!.AsObject());
        var pretrained = new BertForPretraining(config);
        Checkpoint.Load(checkpoint, "bert", pretrained);
        var vocab = new Vocabulary(metadata["vocab"]!.AsArray().Select(t => t!.GetValue<string>()).ToList());
        return (pretrained.Encoder, new WordPairEncoder(vocab),
                new JsonObject { ["config"] = BertCheckpoint.DescribeConfig(config), ["tokenizer"] = "words", ["vocab"] = metadata["vocab"]!.DeepClone() });
    }

    public static Command Predict(CliContext context)
    {
        var model = new Option<FileInfo>("--model") { Required = true };
        var premise = new Argument<string>("premise");
        var hypothesis = new Argument<string>("hypothesis");
        var command = new Command("predict-nli", "Entailment, neutral or contradiction for a premise and a hypothesis.") { model, premise, hypothesis };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            string path = parse.GetValue(model)!.FullName;
            var (_, metadata) = Checkpoint.ReadHeader(path, "bert-nli");
            var config = BertCheckpoint.ReadConfig(metadata["config"]!.AsObject());
            IPairEncoder encoder = metadata["tokenizer"]!.GetValue<string>() == "minilm"
                ? new WordPiecePairEncoder(MiniLm.Tokenizer())
                : new WordPairEncoder(new Vocabulary(metadata["vocab"]!.AsArray().Select(t => t!.GetValue<string>()).ToList()));
            var classifier = new BertClassifier(new Bert(config), 3);
            Checkpoint.Load(path, "bert-nli", classifier);
            classifier.eval();
            using var noGrad = TorchSharp.torch.no_grad();
            var pair = new NliPair(parse.GetValue(premise)!, parse.GetValue(hypothesis)!, 0);
            if (pair.Premise.Trim().Length == 0 || pair.Hypothesis.Trim().Length == 0) throw new ArgumentException("premise and hypothesis must not be empty");
            float[] p = NliTask.Logits(classifier, encoder, new[] { pair }).softmax(1)[0].data<float>().ToArray();
            int best = Array.IndexOf(p, p.Max());
            context.Console.Profile.Out.Writer.WriteLine($"{NliData.Labels[best]} ({string.Join(", ", NliData.Labels.Select((l, i) => $"{l} {p[i]:F3}"))})");
            return 0;
        }));
        return command;
    }
}
