using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;
using TransformerSharp.Evaluation;
using TransformerSharp.Generation;
using TransformerSharp.Models;
using TransformerSharp.Plots;
using TransformerSharp.Text;
using TransformerSharp.Torch;
using TransformerSharp.Training;

namespace TransformerSharp.Cli.Commands;

/// <summary>translate train | translate --model CKPT "sentence"… | translate eval; and bleu.</summary>
public static class TranslateCommand
{
    /// <summary>D2L's four test sentences and their references (D2L 10.7.6 / 11.7).</summary>
    public static readonly (string English, string French)[] BookExamples =
    {
        ("go .", "va !"), ("i lost .", "j'ai perdu ."), ("he's calm .", "il est calme ."), ("i'm home .", "je suis chez moi ."),
    };

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
            string path = parse.GetValue(model)?.FullName ?? throw new ArgumentException("--model CKPT is required to translate (train one with 'translate train')");
            string[] input = parse.GetValue(sentences) ?? Array.Empty<string>();
            if (input.Length == 0) throw new ArgumentException("give at least one sentence to translate");
            if (input.Any(s => s.Trim().Length == 0)) throw new ArgumentException("an empty sentence cannot be translated");
            var translator = Translator.Load(path);
            foreach (string line in translator.Translate(input, parse.GetValue(beam), w => context.Error.WriteLine($"warning: {w}")))
                context.Console.Profile.Out.Writer.WriteLine(line);
            if (parse.GetValue(plots) is { } folder) AttentionPlots.Write(context, translator, input[0], folder.FullName);
            return 0;
        }));
        return command;
    }

    static Command Train(CliContext context)
    {
        var modelKind = new Option<string>("--model") { DefaultValueFactory = _ => "transformer" };
        modelKind.AcceptOnlyFromAmong("transformer", "bahdanau");
        var preset = new Option<string>("--preset") { DefaultValueFactory = _ => "d2l" };
        preset.AcceptOnlyFromAmong("d2l", "full");
        var data = new Option<FileInfo?>("--data") { Description = $"fra.txt or fra-eng.zip (else ${DataSource.FraEng.EnvironmentVariable}, else a verified download)" };
        var outDir = new Option<DirectoryInfo>("--out") { DefaultValueFactory = _ => new DirectoryInfo("runs/translate") };
        var epochs = new Option<int?>("--epochs") { Description = "default: 30 (d2l), 8 (full)" };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 0 };
        var resume = new Option<FileInfo?>("--resume");
        var batchSize = new Option<int?>("--batch-size") { Description = "default: 128 (d2l), 256 (full)" };
        var lr = new Option<double?>("--lr") { Description = "default: 0.001 (transformer), 0.005 (bahdanau)" };
        var labelSmoothing = new Option<double>("--label-smoothing") { DefaultValueFactory = _ => 0.0 };
        var subwords = new Option<int>("--subwords") { Description = "full preset: BPE with this many merges, one vocabulary for both languages (0 = words)", DefaultValueFactory = _ => 0 };
        var shareEmbeddings = new Option<bool>("--share-embeddings") { Description = "Transformer with --subwords: one embedding table for source and target" };
        var warmup = new Option<int>("--warmup") { Description = "warmup steps of the inverse-square-root (Noam) schedule; 0 = constant rate", DefaultValueFactory = _ => 0 };
        var command = new Command("train", "Train a translator on the English–French pairs.")
        {
            modelKind, preset, data, outDir, epochs, seed, resume, batchSize, lr, labelSmoothing, warmup, subwords, shareEmbeddings,
        };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            bool full = parse.GetValue(preset) == "full";
            string kind = parse.GetValue(modelKind)!;
            long seedValue = parse.GetValue(seed);
            string raw = DataSource.ReadText(DataSource.FraEng, parse.GetValue(data)?.FullName);
            int merges = parse.GetValue(subwords);
            if (merges > 0 && !full) throw new ArgumentException("--subwords goes with --preset full (the d2l preset is D2L's word vocabulary)");
            if (parse.GetValue(shareEmbeddings) && merges == 0) throw new ArgumentException("--share-embeddings needs --subwords (one vocabulary for both languages)");
            string source = parse.GetValue(data)?.FullName ?? DataSource.FraEng.Name;
            TranslationSplits splits = full ? TranslationSetup.Full(raw, seedValue, subwordMerges: merges > 0 ? merges : null, name: source)
                                            : TranslationSetup.D2L(raw, name: source);
            TranslationData d = splits.Data;
            context.Console.MarkupLineInterpolated($"{d.Pairs.Count:N0} pairs ({splits.Skipped} malformed lines skipped): {splits.Train.Length:N0} train, {splits.Valid.Length:N0} validation, {splits.Test.Length:N0} test; num_steps {d.NumSteps}; vocabularies {d.SourceVocab.Count:N0} English, {d.TargetVocab.Count:N0} French");

            TorchRuntime.Seed(seedValue);
            ISeq2SeqModel net = kind == "transformer"
                ? new Transformer(new TransformerConfig(d.SourceVocab.Count, d.TargetVocab.Count, ShareEmbeddings: parse.GetValue(shareEmbeddings)))
                : new Bahdanau(new BahdanauConfig(d.SourceVocab.Count, d.TargetVocab.Count));
            int batch = parse.GetValue(batchSize) ?? (full ? 256 : 128);
            var extra = new JsonObject { ["config"] = Translator.DescribeConfig(net), ["preset"] = full ? "full" : "d2l" };
            var task = new TranslationTask(net, kind, d, splits.Train, splits.Valid, batch, seedValue, bucketByLength: full,
                                           labelSmoothing: parse.GetValue(labelSmoothing), extra: extra);
            int epochCount = parse.GetValue(epochs) ?? (full ? 8 : 30);
            double rate = parse.GetValue(lr) ?? (kind == "transformer" ? 0.001 : 0.005);
            int steps = epochCount * task.StepsPerEpoch;
            var schedule = parse.GetValue(warmup) > 0 ? LearningRateSchedule.Noam(rate, parse.GetValue(warmup)) : LearningRateSchedule.Constant(rate);
            // D2L trains with Adam (no weight decay), betas (0.9, 0.999), gradient clipping at 1; one evaluation per epoch.
            var options = new TrainerOptions(steps, schedule, seedValue, WeightDecay: 0, Beta1: 0.9, Beta2: 0.999, ClipNorm: 1.0,
                                             EvalInterval: task.StepsPerEpoch, OutDir: parse.GetValue(outDir)!.FullName);
            var result = TrainingView.Run(context, task, options, parse.GetValue(resume)?.FullName, $"{kind} ({epochCount} epochs)");
            context.Console.MarkupLineInterpolated($"trained in {result.Elapsed.TotalSeconds:F1} s");

            var translator = new Translator(net, d);
            var english = BookExamples.Select(e => e.English).ToList();
            var french = translator.Translate(english);
            for (int i = 0; i < english.Count; i++)
            {
                string[] words = french[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                string list = "[" + string.Join(", ", words.Select(w => $"'{w}'")) + "]";
                context.Console.Profile.Out.Writer.WriteLine($"{english[i]} => {list}, bleu,{Evaluation.Bleu.D2L(french[i], BookExamples[i].French, 2):F3}");
            }
            if (splits.Test.Length > 0)
            {
                var test = splits.Test.Select(i => d.Pairs[i]).ToList();
                var (score, meanD2L) = Evaluate(translator, test.Select(p => d.Detokenize(p.Source)).ToList(), test.Select(p => d.Detokenize(p.Target)).ToList(), beam: 1);
                context.Console.MarkupLineInterpolated($"test set ({splits.Test.Length} pairs, greedy): {score} | {score.Signature}; mean D2L bleu(k=2) {meanD2L:F3}");
            }
            return result.Interrupted ? 130 : 0;
        }));
        return command;
    }

    /// <summary>Corpus BLEU (sacreBLEU-style) and mean D2L bleu(k=2) of translations of English sentences against references.</summary>
    public static (BleuScore score, double meanD2L) Evaluate(Translator translator, IReadOnlyList<string> english, IReadOnlyList<string> references,
                                                             int beam, List<string>? hypotheses = null)
    {
        var output = translator.Translate(english, beam);
        hypotheses?.AddRange(output);
        var score = Evaluation.Bleu.Corpus(output, new[] { references });
        double meanD2L = output.Select((h, i) => h.Length == 0 ? 0 : Evaluation.Bleu.D2L(h, references[i], 2)).Average();
        return (score, meanD2L);
    }

    static Command Eval(CliContext context)
    {
        var model = new Option<FileInfo>("--model") { Required = true };
        var test = new Option<FileInfo>("--test") { Description = "english<TAB>french lines", Required = true };
        var beam = new Option<int>("--beam") { DefaultValueFactory = _ => 1 };
        var output = new Option<FileInfo?>("--output") { Description = "write the hypotheses here, one per line" };
        var command = new Command("eval", "Corpus BLEU and mean D2L bleu(k=2) of a translator on a test file.") { model, test, beam, output };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            var translator = Translator.Load(parse.GetValue(model)!.FullName);
            string path = parse.GetValue(test)!.FullName;
            if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
            var (pairs, skipped) = TranslationCorpus.Tokenize(TranslationCorpus.Preprocess(File.ReadAllText(path)), source: path);
            if (skipped > 0) context.Error.WriteLine($"warning: {path}: {skipped} line(s) without exactly two tab-separated fields skipped");
            var hypotheses = new List<string>();
            static string Words(string[] tokens) => string.Join(' ', tokens.Where(t => t != Vocabulary.Eos));
            var (score, meanD2L) = Evaluate(translator, pairs.Select(p => Words(p.Source)).ToList(), pairs.Select(p => Words(p.Target)).ToList(),
                                            parse.GetValue(beam), hypotheses);
            context.Console.MarkupLineInterpolated($"{score}");
            context.Console.MarkupLineInterpolated($"{score.Signature}");
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
            string[] ReadLines(FileInfo f) => File.Exists(f.FullName) ? File.ReadAllLines(f.FullName) : throw new FileNotFoundException($"{f.FullName}: file not found");
            string[] hypotheses = ReadLines(parse.GetValue(hyp)!);
            var references = parse.GetValue(refs)!.Select(r =>
            {
                string[] lines = ReadLines(r);
                if (lines.Length != hypotheses.Length) throw new InvalidDataException($"{r.FullName}: {lines.Length} lines, but the hypotheses have {hypotheses.Length}");
                return (IReadOnlyList<string>)lines;
            }).ToList();
            var score = Evaluation.Bleu.Corpus(hypotheses, references);
            context.Console.Profile.Out.Writer.WriteLine($"{score}");
            context.Console.Profile.Out.Writer.WriteLine(score.Signature);
            return 0;
        }));
        return command;
    }
}

/// <summary>Attention heatmaps of one translation: encoder self-attention per block and head, decoder cross-attention.</summary>
public static class AttentionPlots
{
    public static void Write(CliContext context, Translator translator, string sentence, string folder)
    {
        var source = translator.PrepareSource(sentence).Take(translator.Data.NumSteps).ToList();
        var captured = new Dictionary<string, List<double[,]>>();
        var output = translator.Translate(new[] { sentence }, 1, onStep: (step, maps) =>
        {
            foreach (var (name, weights) in maps)
            {
                if (!captured.TryGetValue(name, out var list)) captured[name] = list = new List<double[,]>();
                if (name.StartsWith("encoder") && step > 0) continue;
                list.Add(TensorConvert.ToMatrix(weights.reshape(-1, weights.shape[^1])));
            }
        })[0];
        string[] target = output.Split(' ', StringSplitOptions.RemoveEmptyEntries).Append(Vocabulary.Eos).ToArray();
        foreach (var (name, steps) in captured)
        {
            int keys = source.Count;
            string file = Path.Combine(folder, string.Concat(name.Select(c => char.IsLetterOrDigit(c) ? c : '-')) + ".png");
            if (name.StartsWith("encoder"))
            {
                // (heads · num_steps, num_steps): each head's square block, cut to the sentence's own tokens.
                var all = steps[0];
                int padded = all.GetLength(1), heads = all.GetLength(0) / padded;
                var maps = Enumerable.Range(0, heads).Select(h => Slice(all, h * padded, keys, keys)).ToList();
                AttentionHeatmap.SaveGrid(file, maps, maps.Select((_, h) => $"{name}, head {h + 1}").ToList(), "keys", "queries", source, source);
            }
            else
            {
                // One row per generated token: average the heads of each step's single query.
                int rows = Math.Min(steps.Count, target.Length), heads = steps[0].GetLength(0);
                var matrix = new double[rows, keys];
                for (int r = 0; r < rows; r++)
                    for (int k = 0; k < keys; k++)
                        matrix[r, k] = Enumerable.Range(0, heads).Average(h => steps[r][h, k]);
                AttentionHeatmap.Save(file, matrix, $"{name} (heads averaged)", "English", "French", source, target.Take(rows).ToList());
            }
            context.Console.MarkupLineInterpolated($"attention plot: {file}");
        }
    }

    static double[,] Slice(double[,] m, int rowStart, int rows, int cols)
    {
        var result = new double[rows, cols];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) result[r, c] = m[rowStart + r, c];
        return result;
    }
}
