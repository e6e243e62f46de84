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
        var lengthPenalty = LengthPenaltyOption();
        var command = new Command("translate", "English → French with D2L's Transformer or Bahdanau attention.") { model, sentences, beam, lengthPenalty, plots };
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
            foreach (string line in translator.Translate(input, parse.GetValue(beam), w => context.Error.WriteLine($"warning: {w}"),
                                                         lengthPenalty: parse.GetValue(lengthPenalty)))
                context.Console.Profile.Out.Writer.WriteLine(TranslationCorpus.Postprocess(line));   // readable, as `translate eval` scores it
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
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 0 };
        var resume = new Option<FileInfo?>("--resume");
        var testBeam = new Option<int>("--test-beam") { Description = "beam of the held-out report, beside greedy (1 = greedy only)", DefaultValueFactory = _ => 4 };
        var overrides = new TranslatorOverrides();
        var command = new Command("train", "Train a translator on the English–French pairs.") { modelKind, preset, data, outDir, seed, resume, testBeam };
        overrides.AddTo(command);
        command.SetAction(parse => context.Guard(parse, () =>
        {
            string presetName = parse.GetValue(preset)!, architecture = parse.GetValue(modelKind)!;
            var recipe = overrides.Apply(parse, TranslatorPresets.Find(presetName, architecture));
            string text = DataSource.ReadText(DataSource.FraEng, parse.GetValue(data)?.FullName);
            string source = parse.GetValue(data)?.FullName ?? DataSource.FraEng.Name;
            var settings = new TranslatorTrainSettings(text, source, presetName, recipe, parse.GetValue(seed), parse.GetValue(outDir)!.FullName,
                                                       parse.GetValue(resume)?.FullName);
            var outcome = TrainingView.Run(context, settings.OutDir, observer => TranslatorTraining.Train(settings, observer));
            if (outcome.Result.Interrupted) return 130;
            context.Console.MarkupLineInterpolated($"trained in {outcome.Result.Elapsed.TotalSeconds:F1} s");

            var translator = outcome.Translator;
            var examples = TranslationCorpus.BookExamples;
            // As a user types them ("I lost."): a model that keeps case has seen "I", not "i"; D2L's lower-cases them anyway.
            var french = translator.Translate(examples.Select(e => TranslationCorpus.Postprocess(e.English)).ToList());
            for (int i = 0; i < examples.Length; i++)
            {
                string[] words = french[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                string list = "[" + string.Join(", ", words.Select(w => $"'{w}'")) + "]";
                context.Console.Profile.Out.Writer.WriteLine($"{examples[i].English} => {list}, bleu,{Bleu.D2L(french[i].ToLowerInvariant(), examples[i].French, 2):F3}");
            }
            if (outcome.Splits.Test.Length > 0) ReportTest(context, settings, outcome, parse.GetValue(testBeam));
            return 0;
        }, interruptible: true));
        return command;
    }

    /// <summary>
    /// The held-out test pairs as sacreBLEU scores them (readable output against the raw references), greedy and with
    /// the --test-beam (4 unless given), for the final weights and, when the run kept snapshots, their average; the pairs go to test.tsv.
    /// </summary>
    static void ReportTest(CliContext context, TranslatorTrainSettings settings, TranslatorTrainOutcome outcome, int testBeam)
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
            foreach (int beam in new[] { 1, testBeam }.Distinct())
            {
                context.Interrupt.ThrowIfCancellationRequested();
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var (score, _) = translator.Evaluate(english, french, beam);
                table.AddRow(name, beam == 1 ? "greedy" : $"beam {beam}", score.ToString(), clock.Elapsed.TotalSeconds.ToString("F0"));
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
        var lengthPenalty = LengthPenaltyOption();
        var command = new Command("eval", "Corpus BLEU and mean D2L bleu(k=2) of a translator on a test file.") { model, test, beam, lengthPenalty, output, normalised };
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
                                                       parse.GetValue(beam), hypotheses, d2l, parse.GetValue(lengthPenalty));
            context.Console.MarkupLineInterpolated($"{score}");
            context.Console.MarkupLineInterpolated($"{score.Signature}");
            context.Console.MarkupLineInterpolated($"compared: {(d2l ? "D2L-normalised (lower case, punctuation split off) output and references" : "readable output against the references as written (sacreBLEU's convention, as the bleu command)")}");
            context.Console.MarkupLineInterpolated($"mean D2L bleu(k=2): {meanD2L:F3} over {pairs.Count} pairs");
            if (parse.GetValue(output) is { } file) File.WriteAllLines(file.FullName, hypotheses);
            return 0;
        }));
        return command;
    }

    static Option<double> LengthPenaltyOption() => new("--length-penalty")
    {
        Description = "GNMT length penalty alpha of beam search (0 ranks by log-probability alone, which favours short output)",
        DefaultValueFactory = _ => BeamSearch.DefaultLengthPenalty,
    };

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
