using System.CommandLine;
using Spectre.Console;
using TransformerSharp.Evaluation;
using TransformerSharp.Generation;
using TransformerSharp.Models.Translator;
using TransformerSharp.Plots;
using TransformerSharp.Text;
using TransformerSharp.Torch;
using TransformerSharp.Training;

namespace TransformerSharp.Cli.Commands;

/// <summary>translate train | translate --model CKPT "sentence"… | translate eval; and bleu.</summary>
public static class TranslateCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Option<FileInfo?>("--model") { Description = "a translator checkpoint" };
        var sentences = new Argument<string[]>("sentences") { Description = "English sentences, one translation printed per line", Arity = ArgumentArity.ZeroOrMore };
        var beam = new Option<int>("--beam") { Description = "beam size (1 = greedy)", DefaultValueFactory = _ => 1 };
        var plots = new Option<DirectoryInfo?>("--attention-plot") { Description = "write attention heatmaps of the first sentence here" };
        var command = new Command("translate", "English → French with D2L's Transformer or Bahdanau attention.") { model, sentences, beam, plots };
        command.Subcommands.Add(Train(context));
        command.Subcommands.Add(Eval(context));
        command.SetAction(parse => context.Guard(parse, () =>
        {
            Translator.CheckBeam(parse.GetValue(beam));
            string path = parse.GetValue(model)?.FullName ?? throw new UserError("--model CKPT is required to translate (train one with 'translate train')");
            string[] input = parse.GetValue(sentences) ?? Array.Empty<string>();
            if (input.Length == 0) throw new UserError("give at least one sentence to translate");
            if (input.Any(s => s.Trim().Length == 0)) throw new UserError("an empty sentence cannot be translated");
            var translator = Translator.Load(path);
            foreach (string line in translator.Translate(input, parse.GetValue(beam), w => context.Error.WriteLine($"warning: {w}")))
                context.Console.Profile.Out.Writer.WriteLine(line);
            if (parse.GetValue(plots) is { } folder)
                foreach (string file in TranslationAttentionPlots.Write(translator, input[0], folder.FullName)) context.Console.MarkupLineInterpolated($"attention plot: {file}");
            return 0;
        }));
        return command;
    }

    static Command Train(CliContext context)
    {
        var modelKind = new Option<string>("--model") { DefaultValueFactory = _ => TranslatorArchitecture.Transformer };
        modelKind.AcceptOnlyFromAmong(TranslatorArchitecture.All);
        var preset = new Option<string>("--preset") { Description = "d2l, full or full-hour ('presets' lists them)", DefaultValueFactory = _ => "d2l" };
        preset.AcceptOnlyFromAmong(TranslationDataSettings.D2LSplit, TranslationDataSettings.FullSplit, "full-hour");
        var data = new Option<FileInfo?>("--data") { Description = $"fra.txt or fra-eng.zip (else ${DataSource.FraEng.EnvironmentVariable}, else a verified download)" };
        var outDir = new Option<DirectoryInfo>("--out") { DefaultValueFactory = _ => new DirectoryInfo("runs/translate") };
        var epochs = new Option<int?>("--epochs") { Description = "default: 30 (d2l), 8 (full); full-hour runs 2,400 steps (under 4 epochs)" };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 0 };
        var resume = new Option<FileInfo?>("--resume");
        var batchSize = new Option<int?>("--batch-size") { Description = "default: 128 (d2l), 256 (full)" };
        var lr = new Option<double?>("--lr") { Description = "default: 0.001 (transformer), 0.005 (bahdanau)" };
        var labelSmoothing = new Option<double?>("--label-smoothing") { Description = "label smoothing of the loss (0 = none)" };
        var subwords = new Option<int?>("--subwords") { Description = "full preset: BPE with this many merges, one vocabulary for both languages (0 = words)" };
        var shareEmbeddings = new Option<bool>("--share-embeddings") { Description = "Transformer with --subwords: one embedding table for source and target" };
        var warmup = new Option<int?>("--warmup") { Description = "warmup steps of the inverse-square-root (Noam) schedule; 0 = constant rate" };
        var layers = new Option<int?>("--layers") { Description = "Transformer blocks in the encoder and in the decoder (overrides the preset)" };
        var width = new Option<int?>("--width") { Description = "Transformer width (overrides the preset)" };
        var heads = new Option<int?>("--heads") { Description = "attention heads (overrides the preset)" };
        var ffnWidth = new Option<int?>("--ffn-width") { Description = "feed-forward width (overrides the preset)" };
        var dropout = new Option<double?>("--dropout") { Description = "dropout (overrides the preset)" };
        var keepCase = new Option<bool>("--keep-case") { Description = "full preset: keep upper case (D2L lower-cases; names such as Tom then lose theirs)" };
        var command = new Command("train", "Train a translator on the English–French pairs.")
        {
            modelKind, preset, data, outDir, epochs, seed, resume, batchSize, lr, labelSmoothing, warmup, subwords, shareEmbeddings,
            layers, width, heads, ffnWidth, dropout, keepCase,
        };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            string presetName = parse.GetValue(preset)!, architecture = parse.GetValue(modelKind)!;
            TranslatorRecipe p = TranslatorPresets.Find(presetName, architecture);
            int merges = parse.GetValue(subwords) ?? p.Data.SubwordMerges;
            bool share = parse.GetValue(shareEmbeddings);
            if (share && merges == 0) throw new UserError("--share-embeddings needs --subwords (one vocabulary for both languages)");
            if (share && p.Transformer is null) throw new UserError("--share-embeddings is for the Transformer");
            if (p.Transformer is null && new Option[] { layers, width, heads, ffnWidth, dropout }.FirstOrDefault(o => parse.GetResult(o) is not null) is { } given)
                throw new UserError($"{given.Name} sets the Transformer's shape; --model bahdanau keeps its preset's");
            int warmupSteps = parse.GetValue(warmup) ?? 0;
            var recipe = p with
            {
                Transformer = p.Transformer is null ? null : p.Transformer with
                {
                    ShareEmbeddings = share || p.Transformer.ShareEmbeddings, Layers = parse.GetValue(layers) ?? p.Transformer.Layers, Width = parse.GetValue(width) ?? p.Transformer.Width,
                    Heads = parse.GetValue(heads) ?? p.Transformer.Heads, FfnWidth = parse.GetValue(ffnWidth) ?? p.Transformer.FfnWidth,
                    Dropout = parse.GetValue(dropout) ?? p.Transformer.Dropout,
                },
                Data = p.Data with { SubwordMerges = merges, LowerCase = p.Data.LowerCase && !parse.GetValue(keepCase) },
                Training = p.Training with
                {
                    Epochs = parse.GetValue(epochs) ?? p.Training.Epochs, Iterations = parse.GetValue(epochs) is null ? p.Training.Iterations : 0, BatchSize = parse.GetValue(batchSize) ?? p.Training.BatchSize,
                    LearningRate = parse.GetValue(lr) ?? p.Training.LearningRate,
                    LabelSmoothing = parse.GetValue(labelSmoothing) ?? p.Training.LabelSmoothing,
                    Schedule = warmupSteps > 0 ? ScheduleKind.InverseSquareRoot : p.Training.Schedule,
                    Warmup = warmupSteps > 0 ? warmupSteps : p.Training.Warmup,
                },
            };
            string text = DataSource.ReadText(DataSource.FraEng, parse.GetValue(data)?.FullName);
            string source = parse.GetValue(data)?.FullName ?? DataSource.FraEng.Name;
            var settings = new TranslatorTrainSettings(text, source, presetName, recipe, parse.GetValue(seed), parse.GetValue(outDir)!.FullName,
                                                       parse.GetValue(resume)?.FullName);
            var outcome = TrainingView.Run(context, settings.OutDir, observer => TranslatorTraining.Train(settings, observer));
            if (outcome.Result.Interrupted) return 130;
            context.Console.MarkupLineInterpolated($"trained in {outcome.Result.Elapsed.TotalSeconds:F1} s");

            var translator = outcome.Translator;
            var examples = TranslationCorpus.BookExamples;
            var french = translator.Translate(examples.Select(e => e.English).ToList());
            for (int i = 0; i < examples.Length; i++)
            {
                string[] words = french[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                string list = "[" + string.Join(", ", words.Select(w => $"'{w}'")) + "]";
                context.Console.Profile.Out.Writer.WriteLine($"{examples[i].English} => {list}, bleu,{Bleu.D2L(french[i], examples[i].French, 2):F3}");
            }
            if (outcome.Splits.Test.Length > 0) ReportTest(context, settings, outcome);
            return 0;
        }, interruptible: true));
        return command;
    }

    /// <summary>
    /// The held-out test pairs as sacreBLEU scores them (readable output against the raw references), greedy and with
    /// beam 4, for the final weights and, when the run kept snapshots, their average; the pairs go to test.tsv.
    /// </summary>
    static void ReportTest(CliContext context, TranslatorTrainSettings settings, TranslatorTrainOutcome outcome)
    {
        var raw = TranslatorTraining.RawPairs(settings.CorpusText, outcome.Splits, outcome.Splits.Test);
        string tsv = Path.Combine(settings.OutDir, "test.tsv");
        File.WriteAllLines(tsv, raw.Select(p => $"{p.English}\t{p.French}"));
        var english = raw.Select(p => p.English).ToList();
        var french = raw.Select(p => p.French).ToList();
        var models = new List<(string name, Translator translator)> { ("last.ckpt (final weights)", outcome.Translator) };
        if (outcome.Averaged is { } averaged) models.Add(($"{Path.GetFileName(averaged)} (mean of the last evaluations)", Translator.Load(averaged)));
        var table = new Table().AddColumns("model", "decoding", "BLEU", "seconds");
        BleuScore? last = null;
        foreach (var (name, translator) in models)
            foreach (int beam in new[] { 1, 4 })
            {
                context.Interrupt.ThrowIfCancellationRequested();
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var (score, _) = translator.Evaluate(english, french, beam);
                table.AddRow(name, beam == 1 ? "greedy" : "beam 4", score.ToString(), clock.Elapsed.TotalSeconds.ToString("F0"));
                last = score;
            }
        context.Console.MarkupLineInterpolated($"held-out test pairs ({raw.Count:N0}, written to {tsv}), sacreBLEU's convention | {last!.Signature}:");
        context.Console.Write(table);
    }

    static Command Eval(CliContext context)
    {
        var model = new Option<FileInfo>("--model") { Required = true };
        var test = new Option<FileInfo>("--test") { Description = "english<TAB>french lines", Required = true };
        var beam = new Option<int>("--beam") { DefaultValueFactory = _ => 1 };
        var output = new Option<FileInfo?>("--output") { Description = "write the hypotheses here, one per line, as scored" };
        var normalised = new Option<bool>("--normalised")
        {
            Description = "D2L's comparison: lower-cased, punctuation split off, on both sides (default: sacreBLEU's, readable output against the references as given)",
        };
        var command = new Command("eval", "Corpus BLEU and mean D2L bleu(k=2) of a translator on a test file.") { model, test, beam, output, normalised };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            var translator = Translator.Load(parse.GetValue(model)!.FullName);
            string path = parse.GetValue(test)!.FullName;
            // Raw lines: the references stay as written (sacreBLEU's convention); the translator preprocesses the English.
            var (pairs, skipped) = TranslationCorpus.Tokenize(TextFiles.ReadNonEmpty(path, "english<TAB>french lines"), source: path);
            if (skipped > 0) context.Error.WriteLine($"warning: {path}: {skipped} line(s) without exactly two tab-separated fields skipped");
            var hypotheses = new List<string>();
            static string Words(string[] tokens) => string.Join(' ', tokens.Where(t => t != Vocabulary.Eos));
            bool d2l = parse.GetValue(normalised);
            var (score, meanD2L) = translator.Evaluate(pairs.Select(p => Words(p.Source)).ToList(), pairs.Select(p => Words(p.Target)).ToList(),
                                                       parse.GetValue(beam), hypotheses, d2l);
            context.Console.MarkupLineInterpolated($"{score}");
            context.Console.MarkupLineInterpolated($"{score.Signature}");
            context.Console.MarkupLineInterpolated($"compared: {(d2l ? "D2L-normalised (lower case, punctuation split off) output and references" : "readable output against the references as written (sacreBLEU's convention, as the bleu command)")}");
            context.Console.MarkupLineInterpolated($"mean D2L bleu(k=2): {meanD2L:F3} over {pairs.Count} pairs");
            if (parse.GetValue(output) is { } file) File.WriteAllLines(file.FullName, hypotheses);
            return 0;
        }));
        return command;
    }

    public static Command BleuCommand(CliContext context)
    {
        var hyp = new Option<FileInfo>("--hyp") { Required = true };
        var refs = new Option<FileInfo[]>("--ref") { Required = true, AllowMultipleArgumentsPerToken = false };
        var command = new Command("bleu", "Corpus BLEU as sacreBLEU computes it by default; one segment per line.") { hyp, refs };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            string[] ReadLines(FileInfo f) => File.Exists(f.FullName) ? File.ReadAllLines(f.FullName) : throw new UserError($"{f.FullName}: file not found");
            string[] hypotheses = ReadLines(parse.GetValue(hyp)!);
            var references = parse.GetValue(refs)!.Select(r =>
            {
                string[] lines = ReadLines(r);
                if (lines.Length != hypotheses.Length) throw new InvalidDataException($"{r.FullName}: {lines.Length} lines, but the hypotheses have {hypotheses.Length}");
                return (IReadOnlyList<string>)lines;
            }).ToList();
            var score = Bleu.Corpus(hypotheses, references);
            context.Console.Profile.Out.Writer.WriteLine($"{score}");
            context.Console.Profile.Out.Writer.WriteLine(score.Signature);
            return 0;
        }));
        return command;
    }
}
