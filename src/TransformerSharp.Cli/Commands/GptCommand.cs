using System.CommandLine;
using Spectre.Console;
using TransformerSharp.Checkpoints;
using TransformerSharp.Evaluation;
using TransformerSharp.Generation;
using TransformerSharp.Models.Gpt;
using TransformerSharp.Plots;
using TransformerSharp.Text;
using TransformerSharp.Torch;
using TransformerSharp.Training;

namespace TransformerSharp.Cli.Commands;

public static class GptCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("gpt", "A decoder-only Transformer language model: train, generate, evaluate, few-shot prompting.");
        command.Subcommands.Add(Train(context));
        command.Subcommands.Add(Generate(context));
        command.Subcommands.Add(Eval(context));
        command.Subcommands.Add(FewShot(context));
        return command;
    }

    static Option<T?> Override<T>(string name, string description) where T : struct => new(name) { Description = description };

    static Command Train(CliContext context)
    {
        var data = new Option<FileInfo>("--data") { Description = "UTF-8 text to learn (split 90/10 into train/validation)", Required = true };
        var tokenizer = new Option<string>("--tokenizer") { Description = "char or gpt2", DefaultValueFactory = _ => "char" };
        tokenizer.AcceptOnlyFromAmong("char", "gpt2");
        var preset = new Option<string>("--preset") { Description = "named recipe", DefaultValueFactory = _ => "shakespeare-char-cpu" };
        preset.AcceptOnlyFromAmong(GptPresets.All.Select(p => p.Name).ToArray());
        var outDir = new Option<DirectoryInfo>("--out") { Description = "folder for checkpoints and the loss plot", DefaultValueFactory = _ => new DirectoryInfo("runs/gpt") };
        var seed = new Option<long>("--seed") { Description = "fixes initialisation, batches and dropout", DefaultValueFactory = _ => 1337 };
        var resume = new Option<FileInfo?>("--resume") { Description = "continue exactly from a checkpoint (last.ckpt)" };
        var layers = Override<int>("--layers", "Transformer blocks");
        var heads = Override<int>("--heads", "attention heads");
        var width = Override<int>("--width", "model width (embedding size)");
        var contextLength = Override<int>("--context", "context length in tokens");
        var batch = Override<int>("--batch-size", "sequences per micro-batch");
        var iterations = Override<int>("--iterations", "optimiser steps");
        var lr = Override<double>("--lr", "peak learning rate");
        var minLr = Override<double>("--min-lr", "learning rate at the end of the cosine decay");
        var warmup = Override<int>("--warmup", "linear warmup steps");
        var weightDecay = Override<double>("--weight-decay", "AdamW weight decay (matrices only)");
        var dropout = Override<double>("--dropout", "dropout rate");
        var clip = Override<double>("--clip", "gradient norm clip (0: off)");
        var accumulation = Override<int>("--grad-accum", "micro-batches per optimiser step");
        var evalInterval = Override<int>("--eval-interval", "steps between evaluations and checkpoints");
        var evalBatches = Override<int>("--eval-batches", "batches per evaluation");
        var bias = Override<bool>("--bias", "biases in Linear and LayerNorm layers");
        var command = new Command("train", "Train a GPT on a text file.")
        {
            data, tokenizer, preset, outDir, seed, resume, layers, heads, width, contextLength, batch, iterations, lr, minLr, warmup,
            weightDecay, dropout, clip, accumulation, evalInterval, evalBatches, bias,
        };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            // 0 in a preset means "derive it"; given by hand it would be a run that never evaluates.
            GptRecipe p = GptPresets.Find(parse.GetValue(preset)!);
            var recipe = p with
            {
                Tokenizer = parse.GetValue(tokenizer)!,
                Model = p.Model with
                {
                    Layers = parse.GetValue(layers) ?? p.Model.Layers, Heads = parse.GetValue(heads) ?? p.Model.Heads,
                    Width = parse.GetValue(width) ?? p.Model.Width, MaxPositions = parse.GetValue(contextLength) ?? p.Model.MaxPositions,
                    Dropout = parse.GetValue(dropout) ?? p.Model.Dropout, Bias = parse.GetValue(bias) ?? p.Model.Bias,
                },
                Training = p.Training with
                {
                    BatchSize = parse.GetValue(batch) ?? p.Training.BatchSize, Iterations = parse.GetValue(iterations) ?? p.Training.Iterations,
                    LearningRate = parse.GetValue(lr) ?? p.Training.LearningRate, MinLearningRate = parse.GetValue(minLr) ?? p.Training.MinLearningRate,
                    Warmup = parse.GetValue(warmup) ?? p.Training.Warmup, WeightDecay = parse.GetValue(weightDecay) ?? p.Training.WeightDecay,
                    Clip = parse.GetValue(clip) ?? p.Training.Clip, GradientAccumulation = parse.GetValue(accumulation) ?? p.Training.GradientAccumulation,
                    EvalInterval = parse.GetValue(evalInterval) ?? p.Training.EvalInterval, EvalBatches = parse.GetValue(evalBatches) ?? p.Training.EvalBatches,
                },
            };
            var settings = new GptTrainSettings(parse.GetValue(data)!.FullName, recipe, parse.GetValue(seed), parse.GetValue(outDir)!.FullName,
                                                parse.GetValue(resume)?.FullName);
            var outcome = TrainingView.Run(context, settings.OutDir, observer => GptTraining.Train(settings, observer));
            var result = outcome.Result;
            if (result.Evaluations.Count > 0)
            {
                var last = result.Evaluations[^1];
                context.Console.MarkupLineInterpolated($"final: train loss {last.TrainLoss:F4}, val loss {TrainingView.Loss(last.ValidLoss)}, best val {TrainingView.Loss(result.BestValidLoss)}; {result.Elapsed.TotalSeconds:F1} s, {result.Elapsed.TotalMilliseconds / Math.Max(1, result.NextStep):F1} ms/iteration");
            }
            return result.Interrupted ? 130 : 0;
        }, interruptible: true));
        return command;
    }

    static Command Generate(CliContext context)
    {
        var model = ModelSource.Checkpoint("a GPT checkpoint");
        var pretrained = ModelSource.Pretrained("GPT-2");
        var prompt = new Option<string>("--prompt") { Description = "text to continue", DefaultValueFactory = _ => "\n" };
        var maxNew = new Option<int>("--max-new-tokens") { DefaultValueFactory = _ => 200 };
        var temperature = new Option<double>("--temperature") { Description = "0 = greedy", DefaultValueFactory = _ => 0.8 };
        var topK = new Option<int?>("--top-k");
        var topP = new Option<double?>("--top-p");
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 0 };
        var stop = new Option<string[]>("--stop") { Description = "stop before this text (repeatable)", AllowMultipleArgumentsPerToken = false };
        var noCache = new Option<bool>("--no-cache") { Description = "recompute the whole context for every token" };
        var command = new Command("generate", "Continue a prompt, streaming tokens as they come.") { model, pretrained, prompt, maxNew, temperature, topK, topP, seed, stop, noCache };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            var options = new SamplingOptions(parse.GetValue(maxNew), parse.GetValue(temperature), parse.GetValue(topK), parse.GetValue(topP),
                                              parse.GetValue(seed), parse.GetValue(stop), !parse.GetValue(noCache));
            options.Validate();
            var (gpt, tokenizer) = ModelSource.Gpt(parse, model, pretrained);
            string text = parse.GetValue(prompt)!;
            context.Console.Profile.Out.Writer.Write(text);
            TextGenerator.Generate(gpt, tokenizer, text, options, piece => { context.Console.Profile.Out.Writer.Write(piece); context.Console.Profile.Out.Writer.Flush(); },
                                   warn => context.Error.WriteLine($"warning: {warn}"));
            context.Console.Profile.Out.Writer.WriteLine();
            return 0;
        }));
        return command;
    }

    static Command Eval(CliContext context)
    {
        var model = ModelSource.Checkpoint("a GPT checkpoint");
        var pretrained = ModelSource.Pretrained("GPT-2");
        var data = new Option<FileInfo>("--data") { Description = "text to score (its last 10% is the validation split)", Required = true };
        var batches = new Option<int>("--eval-batches") { DefaultValueFactory = _ => 50 };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 1337 };
        var command = new Command("eval", "Validation loss and perplexity of a checkpoint on a text.") { model, pretrained, data, batches, seed };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            var (gpt, tokenizer) = ModelSource.Gpt(parse, model, pretrained);
            string path = parse.GetValue(data)!.FullName;
            if (!File.Exists(path)) throw new UserError($"{path}: file not found");
            var task = new LanguageModelTask(gpt, tokenizer, new TokenCorpus(tokenizer.Encode(File.ReadAllText(path))), 12, parse.GetValue(batches), parse.GetValue(seed));
            var evaluation = Trainer.Evaluate(task, 0);
            context.Console.MarkupLineInterpolated($"validation loss {evaluation.ValidLoss:F4}, perplexity {Math.Exp(evaluation.ValidLoss):F2} ({parse.GetValue(batches)} batches of 12 × {gpt.Config.MaxPositions} tokens)");
            return 0;
        }));
        return command;
    }

    static Command FewShot(CliContext context)
    {
        var shots = new Option<string>("--shots") { DefaultValueFactory = _ => "0,1,2,4,8" };
        var outDir = new Option<DirectoryInfo>("--out") { DefaultValueFactory = _ => new DirectoryInfo("runs/fewshot") };
        var iterations = new Option<int?>("--iterations") { Description = "training steps (preset fewshot-substitution: 1000)" };
        var trials = new Option<int>("--trials") { Description = "prompts per number of shots", DefaultValueFactory = _ => 400 };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 0 };
        var learningRate = new Option<double?>("--lr") { Description = "peak learning rate, decayed to a tenth (preset: 0.002)" };
        var resume = new Option<FileInfo?>("--resume") { Description = "finish an interrupted run from its last.ckpt" };
        var pretrained = ModelSource.Pretrained("GPT-2");
        pretrained.Description += ": no training, the same prompts as text";
        var command = new Command("fewshot", "Train (or load) a small GPT that learns substitutions from its prompt; accuracy by number of shots.")
        {
            shots, outDir, iterations, trials, seed, learningRate, resume, pretrained,
        };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            int[] counts = parse.GetValue(shots)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(k => int.TryParse(k, out int n) && n is >= 0 and <= 8 ? n : throw new UserError($"--shots: '{k}' is not a number of demonstrations from 0 to 8 (e.g. --shots 0,1,2,4,8)")).ToArray();
            if (counts.Length == 0) throw new UserError("--shots: give at least one number of demonstrations (e.g. --shots 0,1,2,4,8)");
            string folder = parse.GetValue(outDir)!.FullName, checkpoint = Path.Combine(folder, "best.ckpt"), last = Path.Combine(folder, "last.ckpt");
            long seedValue = parse.GetValue(seed);
            string? resumeFrom = parse.GetValue(resume)?.FullName;
            if (resumeFrom is null && parse.GetValue(pretrained) is null && File.Exists(last) && Resuming.Progress(Checkpoint.ReadHeader(last)) is var (next, total) && next < total)
                throw new UserError($"{folder} holds a run interrupted at step {next} of {total}: finish it with --resume {last}, or pass another --out");
            Gpt model;
            ITokenizer? textTokenizer = null;
            if (parse.GetValue(pretrained) is { } directory)
            {
                if (resumeFrom is not null || parse.GetValue(iterations) is not null || parse.GetValue(learningRate) is not null)
                    throw new UserError("--pretrained evaluates a trained model: it takes no --resume, --iterations or --lr");
                context.Console.MarkupLineInterpolated($"loading {directory.FullName}");
                (model, textTokenizer) = GptHuggingFace.Load(directory.FullName);
                Directory.CreateDirectory(folder);
            }
            else if (resumeFrom is null && File.Exists(checkpoint))
            {
                context.Console.MarkupLineInterpolated($"loading {checkpoint}");
                if (parse.GetValue(iterations) is not null || parse.GetValue(learningRate) is not null)
                    context.Error.WriteLine($"warning: --iterations and --lr are ignored: {checkpoint} is already trained (delete it, or pass another --out, to retrain)");
                model = GptCheckpoint.Load(checkpoint).model;
            }
            else
            {
                var p = GptPresets.FewShotSubstitution;
                double lr = parse.GetValue(learningRate) ?? p.Training.LearningRate;
                var recipe = p with { Training = p.Training with { Iterations = parse.GetValue(iterations) ?? p.Training.Iterations, LearningRate = lr, MinLearningRate = lr / 10 } };
                var (best, result) = TrainingView.Run(context, folder, observer => GptTraining.TrainFewShot(recipe, seedValue, folder, observer, resumeFrom));
                if (result.Interrupted) return 130;
                model = best!;
            }
            var example = FewShotSubstitution.Prompt(new[] { ('c', 'F'), ('a', 'H'), ('e', 'B') }, 'a');
            context.Console.MarkupLineInterpolated($"prompt format: demonstrations then a query, e.g. [bold]{example}[/] → H");
            var results = textTokenizer is null
                ? FewShotSubstitution.Evaluate(model, counts, parse.GetValue(trials), seedValue + 1, context.Interrupt)
                : FewShotSubstitution.EvaluateText(model, textTokenizer, counts, parse.GetValue(trials), seedValue + 1, context.Interrupt);
            var table = new Table().AddColumns("shots", "exact-match accuracy", "ideal in-context learner");
            foreach (var (k, accuracy) in results) table.AddRow(k.ToString(), accuracy.ToString("P1"), FewShotSubstitution.IdealAccuracy(k).ToString("P1"));
            context.Console.Write(table);
            string plot = Path.Combine(folder, "fewshot.png");
            var xs = results.Select(r => (double)r.shots).ToList();
            LinePlots.Save(plot, new[] { new Series("accuracy", xs, results.Select(r => r.accuracy).ToList()),
                                         new Series("ideal in-context learner", xs, results.Select(r => FewShotSubstitution.IdealAccuracy(r.shots)).ToList()) },
                           "In-context learning of a random substitution", "demonstrations in the prompt", "exact-match accuracy");
            context.Console.MarkupLineInterpolated($"plot: {plot}");
            return 0;
        }, interruptible: true));
        return command;
    }
}
