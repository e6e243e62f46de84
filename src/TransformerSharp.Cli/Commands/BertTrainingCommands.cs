using System.CommandLine;
using Spectre.Console;
using TransformerSharp.Models.Bert;
using TransformerSharp.Text;
using TransformerSharp.Training;

namespace TransformerSharp.Cli.Commands;

/// <summary>bert pretrain, bert finetune-nli and bert predict-nli.</summary>
public static class BertTrainingCommands
{
    const string SnliFile = "snli_1.0_dev.pairs.jsonl", MnliFile = "multinli_1.0_dev_matched.pairs.jsonl", NliVariable = "TRANSFORMERSHARP_NLI";

    public static Command Pretrain(CliContext context)
    {
        var preset = new Option<string>("--preset") { DefaultValueFactory = _ => "d2l-small" };
        preset.AcceptOnlyFromAmong(BertPresets.Pretraining.Select(p => p.Name).ToArray());
        var data = new Option<string?>("--data") { Description = $"WikiText-2 folder or wiki.train.tokens (else ${DataSource.WikiText2.EnvironmentVariable}, else a verified download)" };
        var outDir = new Option<DirectoryInfo>("--out") { DefaultValueFactory = _ => new DirectoryInfo("runs/bert") };
        var steps = new Option<int?>("--steps");
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 0 };
        var resume = new Option<FileInfo?>("--resume") { Description = "continue exactly from a checkpoint (last.ckpt), with the same --data" };
        var command = new Command("pretrain", "Pretrain BERT on WikiText-2 with masked language modelling and next-sentence prediction (D2L 15.9–15.10).")
        {
            preset, data, outDir, steps, seed, resume,
        };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            var p = Presets.Find(BertPresets.Pretraining, parse.GetValue(preset)!, "bert pretrain");
            var recipe = p with { Training = p.Training with { Iterations = parse.GetValue(steps) ?? p.Training.Iterations } };
            var settings = new BertPretrainSettings(DataSource.ReadText(DataSource.WikiText2, parse.GetValue(data)), recipe, parse.GetValue(seed),
                                                    parse.GetValue(outDir)!.FullName, parse.GetValue(resume)?.FullName);
            var outcome = TrainingView.Run(context, settings.OutDir, observer => BertTraining.Pretrain(settings, observer));
            if (outcome.Result.Interrupted) return 130;
            var ((mlm, nsp), (heldMlm, heldNsp)) = (outcome.LastStep, outcome.HeldOut);
            context.Console.MarkupLineInterpolated($"first step: MLM + NSP loss {outcome.Result.TrainLosses[0].Loss:F3}; last step: MLM {mlm:F3}, NSP {nsp:F3}; held-out: MLM {heldMlm:F3}, NSP {heldNsp:F3}; {outcome.Result.Elapsed.TotalSeconds:F1} s");
            return 0;
        }, interruptible: true));
        return command;
    }

    public static Command FineTune(CliContext context)
    {
        var init = new Option<string>("--init")
        {
            Description = "minilm, d2l-small (pretrain D2L's small BERT first), a 'bert pretrain' checkpoint or a Hugging Face BERT directory",
            DefaultValueFactory = _ => "minilm",
        };
        var data = new Option<DirectoryInfo?>("--data") { Description = $"folder with {SnliFile} and {MnliFile} (else ${NliVariable})" };
        var wikitext = new Option<string?>("--wikitext") { Description = "WikiText-2 for --init d2l-small (else $TRANSFORMERSHARP_WIKITEXT2, else a download)" };
        var outDir = new Option<DirectoryInfo>("--out") { DefaultValueFactory = _ => new DirectoryInfo("runs/bert-nli") };
        var epochs = new Option<int?>("--epochs") { Description = "default 2 (minilm), 5 (D2L's small BERT)" };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 0 };
        var resume = new Option<FileInfo?>("--resume") { Description = "continue exactly from a 'bert finetune-nli' last.ckpt (its encoder replaces --init)" };
        var command = new Command("finetune-nli", "Fine-tune BERT for entailment / neutral / contradiction on SNLI; test on SNLI and MultiNLI.")
        {
            init, data, wikitext, outDir, epochs, seed, resume,
        };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            string folder = parse.GetValue(data)?.FullName ?? Environment.GetEnvironmentVariable(NliVariable)
                ?? throw new UserError($"no NLI data: pass --data DIR (holding {SnliFile} and {MnliFile}) or set ${NliVariable}=DIR");
            string start = parse.GetValue(init)!;
            if (start is not ("minilm" or "d2l-small") && !File.Exists(start) && !Directory.Exists(start))
                throw new UserError($"--init {start}: not minilm, d2l-small, a checkpoint or a directory");
            // A pretrained BERT from a directory is fine-tuned as MiniLM is: small learning rate, few epochs.
            var p = start == "minilm" || Directory.Exists(start) ? BertPresets.NliMiniLM : BertPresets.NliD2LSmall;
            var recipe = p with { Training = p.Training with { Epochs = parse.GetValue(epochs) ?? p.Training.Epochs } };
            var settings = new NliSettings(NliData.Read(Path.Combine(folder, SnliFile)), NliData.Read(Path.Combine(folder, MnliFile)), start, recipe,
                                           parse.GetValue(seed), parse.GetValue(outDir)!.FullName,
                                           () => DataSource.ReadText(DataSource.WikiText2, parse.GetValue(wikitext)), parse.GetValue(resume)?.FullName);
            var outcome = TrainingView.Run(context, settings.OutDir, observer => BertTraining.FineTuneNli(settings, observer));
            if (outcome.Result.Interrupted) return 130;
            var table = new Table().AddColumns("test set", "pairs", "accuracy", "majority-class baseline");
            table.AddRow("SNLI (held-out part of dev)", outcome.SnliTestPairs.ToString("N0"), outcome.SnliAccuracy.ToString("P1"), outcome.SnliMajority.ToString("P1"));
            table.AddRow("MultiNLI dev matched", settings.MultiNli.Count.ToString("N0"), outcome.MultiNliAccuracy.ToString("P1"), outcome.MultiNliMajority.ToString("P1"));
            context.Console.Write(table);
            context.Console.MarkupLineInterpolated($"fine-tuned in {outcome.Result.Elapsed.TotalSeconds:F0} s");
            return 0;
        }, interruptible: true));
        return command;
    }

    public static Command Predict(CliContext context)
    {
        var model = new Option<FileInfo>("--model") { Required = true };
        var premise = new Argument<string>("premise");
        var hypothesis = new Argument<string>("hypothesis");
        var command = new Command("predict-nli", "Entailment, neutral or contradiction for a premise and a hypothesis.") { model, premise, hypothesis };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            var pair = new NliPair(parse.GetValue(premise)!, parse.GetValue(hypothesis)!, 0);
            if (pair.Premise.Trim().Length == 0 || pair.Hypothesis.Trim().Length == 0) throw new UserError("premise and hypothesis must not be empty");
            var (classifier, tokenizer, header) = BertCheckpoint.LoadClassifier(parse.GetValue(model)!.FullName);
            var encoder = PairEncoders.For(tokenizer, header.Metadata["data"]?["max_length"]?.GetValue<int>() ?? 128);
            var labels = BertCheckpoint.Labels(header);
            using var noGrad = TorchSharp.torch.no_grad();
            float[] p = NliTask.Logits(classifier, encoder, new[] { pair }).softmax(1)[0].data<float>().ToArray();
            int best = Array.IndexOf(p, p.Max());
            context.Console.Profile.Out.Writer.WriteLine($"{labels[best]} ({string.Join(", ", labels.Select((l, i) => $"{l} {p[i]:F3}"))})");
            return 0;
        }));
        return command;
    }
}
