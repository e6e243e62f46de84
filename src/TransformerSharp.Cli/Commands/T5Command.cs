using System.CommandLine;
using Spectre.Console;
using TransformerSharp.Models.T5;
using TransformerSharp.Text;
using TransformerSharp.Training;

namespace TransformerSharp.Cli.Commands;

/// <summary>t5 corrupt, pretrain and finetune (this file); summarize, eval and baselines (<see cref="T5EvalCommands"/>).</summary>
public static class T5Command
{
    public static Command Create(CliContext context)
    {
        var command = new Command("t5", "T5 (D2L 11.9): an encoder–decoder pretrained by span corruption, fine-tuned to summarize dialogues.");
        command.Subcommands.Add(Corrupt(context));
        command.Subcommands.Add(Pretrain(context));
        command.Subcommands.Add(Finetune(context));
        command.Subcommands.Add(T5EvalCommands.Summarize(context));
        command.Subcommands.Add(T5EvalCommands.Eval(context));
        command.Subcommands.Add(T5EvalCommands.Baselines(context));
        return command;
    }

    static Command Corrupt(CliContext context)
    {
        var text = new Argument<string>("text") { Description = "the text to corrupt, split on spaces into tokens" };
        var seed = new Option<long>("--seed") { Description = "which spans are chosen", DefaultValueFactory = _ => 0 };
        var density = new Option<double>("--noise-density") { Description = "share of tokens dropped", DefaultValueFactory = _ => SpanCorruption.NoiseDensity };
        var span = new Option<double>("--mean-span") { Description = "mean length of a dropped span", DefaultValueFactory = _ => SpanCorruption.MeanNoiseSpanLength };
        var command = new Command("corrupt", "Show one span corruption of a text: the encoder's input and the decoder's target (D2L Fig. 11.9.2).")
        {
            text, seed, density, span,
        };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            // Word tokens, numbered as a vocabulary with the sentinels at its end, as T5 numbers its pieces.
            string[] words = parse.GetValue(text)!.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0) throw new UserError("the text has no words to corrupt");
            double noise = parse.GetValue(density), meanSpan = parse.GetValue(span);
            int vocab = words.Length + 1 + T5Tokenizer.SentinelCount;
            string Token(int id) => id < words.Length ? words[id] : id == words.Length ? "</s>" : T5Tokenizer.Sentinel(vocab - 1 - id);
            var (inputs, targets) = SpanCorruption.Corrupt(Enumerable.Range(0, words.Length).ToArray(), vocab, words.Length,
                                                          new Random((int)parse.GetValue(seed)), noise, meanSpan);
            var output = context.Console.Profile.Out.Writer;
            output.WriteLine($"inputs:  {string.Join(' ', inputs.Select(Token))}");
            output.WriteLine($"targets: {string.Join(' ', targets.Select(Token))}");
            return 0;
        }));
        return command;
    }

    static Option<string> PresetOption()
    {
        var preset = new Option<string>("--preset") { Description = "named recipe", DefaultValueFactory = _ => "dialogsum-cpu" };
        preset.AcceptOnlyFromAmong(T5Presets.All.Select(p => p.Name).ToArray());
        return preset;
    }

    static Option<long> Seed() => new("--seed") { Description = "fixes initialisation, data order, corruption and dropout", DefaultValueFactory = _ => 0 };
    static Option<FileInfo?> Resume() => new("--resume") { Description = "continue exactly from a checkpoint (last.ckpt)" };
    static Option<double?> Dropout(string instead) => new("--dropout") { Description = $"dropout_rate instead of {instead}" };

    static Command Pretrain(CliContext context)
    {
        var preset = PresetOption();
        var data = new Option<string[]>("--data")
        {
            Description = "a WikiText-2 folder, a DialogSum folder or jsonl file, or a text file (repeatable; default: WikiText-2 and $TRANSFORMERSHARP_DIALOGSUM)",
            AllowMultipleArgumentsPerToken = false,
        };
        var overrides = new TrainingOverrides();
        var outDir = new Option<DirectoryInfo>("--out") { Description = "folder for checkpoints and plots", DefaultValueFactory = _ => new DirectoryInfo("runs/t5-pretrain") };
        var seed = Seed();
        var resume = Resume();
        var dropout = Dropout("the preset's");
        var command = new Command("pretrain", "Pretrain a T5 by span corruption on WikiText-2 and DialogSum's training dialogues.")
        {
            preset, data, outDir, seed, resume, dropout,
        };
        overrides.AddTo(command);
        command.SetAction(parse => context.Guard(parse, () =>
        {
            var p = T5Presets.Find(parse.GetValue(preset)!);
            var recipe = p with { Pretraining = overrides.Apply(parse, p.Pretraining) };
            var corpora = PretrainingText.Read(parse.GetValue(data) ?? Array.Empty<string>());
            var settings = new T5PretrainSettings(corpora, parse.GetValue(preset)!, recipe, parse.GetValue(seed), parse.GetValue(outDir)!.FullName,
                                                  parse.GetValue(resume)?.FullName, parse.GetValue(dropout));
            var outcome = TrainingView.Run(context, settings.OutDir, observer => T5Training.Pretrain(settings, observer));
            using var model = outcome.Model;
            return Finish(context, outcome.Result);
        }, interruptible: true));
        return command;
    }

    static Command Finetune(CliContext context)
    {
        var init = new Option<string>("--init") { Description = "a pretrained T5 checkpoint or Hugging Face T5 directory, or none (random weights)", Required = true };
        var data = new Option<DirectoryInfo>("--data") { Description = $"the DialogSum folder (else ${DialogSum.EnvironmentVariable})" };
        var tokenizerFrom = new Option<FileInfo?>("--tokenizer-from")
        {
            Description = "with --init none: take this checkpoint's tokenizer (else one is learned from the training dialogues)",
        };
        var maxTrainSamples = new Option<int?>("--max-train-samples")
        {
            Description = "fine-tune on the first N training dialogues only (as Hugging Face's run_summarization), e.g. to see what pretraining gives when labels are scarce",
        };
        var preset = PresetOption();
        var overrides = new TrainingOverrides();
        var outDir = new Option<DirectoryInfo>("--out") { Description = "folder for checkpoints and plots", DefaultValueFactory = _ => new DirectoryInfo("runs/t5-finetune") };
        var seed = Seed();
        var resume = Resume();
        var dropout = Dropout("the preset's fine-tuning rate");
        var command = new Command("finetune", "Fine-tune a T5 to summarize DialogSum dialogues (\"summarize: \" + dialogue → summary).")
        {
            init, data, tokenizerFrom, maxTrainSamples, preset, outDir, seed, resume, dropout,
        };
        overrides.AddTo(command);
        command.SetAction(parse => context.Guard(parse, () =>
        {
            var p = T5Presets.Find(parse.GetValue(preset)!);
            var recipe = p with { Finetuning = overrides.Apply(parse, p.Finetuning) };
            string initValue = parse.GetValue(init)!;
            string? initPath = initValue == "none" ? null : initValue;
            if (initPath is not null && !File.Exists(initPath) && !Directory.Exists(initPath))
                throw new UserError($"--init {initPath}: no such checkpoint or Hugging Face directory (or 'none' for random weights)");
            if (initPath is not null && parse.GetValue(tokenizerFrom) is not null) throw new UserError("--tokenizer-from goes with --init none: a pretrained checkpoint brings its own tokenizer");
            string folder = DialogSum.Locate(parse.GetValue(data)?.FullName);
            var settings = new T5FinetuneSettings(folder, initPath, parse.GetValue(tokenizerFrom)?.FullName, parse.GetValue(preset)!, recipe,
                                                  parse.GetValue(seed), parse.GetValue(outDir)!.FullName, parse.GetValue(resume)?.FullName,
                                                  parse.GetValue(maxTrainSamples), parse.GetValue(dropout));
            var outcome = TrainingView.Run(context, settings.OutDir, observer => T5Training.Finetune(settings, observer));
            using var model = outcome.Model;
            return Finish(context, outcome.Result);
        }, interruptible: true));
        return command;
    }

    static int Finish(CliContext context, TrainingResult result)
    {
        if (result.Evaluations.Count > 0)
        {
            var last = result.Evaluations[^1];
            context.Console.MarkupLineInterpolated($"final: train loss {last.TrainLoss:F4}, val loss {TrainingView.Loss(last.ValidLoss)}, best val {TrainingView.Loss(result.BestValidLoss)}; {result.Elapsed.TotalSeconds:F0} s");
        }
        return result.Interrupted ? 130 : 0;
    }
}
