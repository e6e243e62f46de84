using System.CommandLine;
using TransformerSharp.Evaluation;
using TransformerSharp.Text;

namespace TransformerSharp.Cli.Commands;

/// <summary>rouge --hyp FILE --ref FILE [--ref FILE…] [--stem]: corpus ROUGE of line-aligned files, as rouge_score computes it.</summary>
public static class RougeCommand
{
    public static Command Create(CliContext context)
    {
        var hyp = new Option<FileInfo>("--hyp") { Description = "predictions, one per line", Required = true };
        var refs = new Option<FileInfo[]>("--ref") { Description = "references, one per line, aligned with --hyp (repeatable: several references)", Required = true };
        var stem = new Option<bool>("--stem") { Description = "Porter-stem tokens longer than 3 characters (rouge_score's use_stemmer)" };
        var against = new Option<FileInfo?>("--against")
        {
            Description = "another system's predictions for the same lines: adds each type's difference, its 95 % paired-bootstrap interval and how often --hyp is ahead",
        };
        var resamples = new Option<int>("--resamples") { Description = "paired-bootstrap resamples with --against", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { Description = "the resampling's seed with --against", DefaultValueFactory = _ => 0 };
        var command = new Command("rouge", "ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum F-measures (×100) of predictions against references.")
        {
            hyp, refs, stem, against, resamples, seed,
        };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            string hypPath = parse.GetValue(hyp)!.FullName;
            var predictions = Lines(hypPath);
            var references = parse.GetValue(refs)!.Select(f => (path: f.FullName, lines: Lines(f.FullName))).ToList();
            string? againstPath = parse.GetValue(against)?.FullName;
            var other = againstPath is null ? null : Lines(againstPath);
            var aligned = references.Select(r => (r.path, count: r.lines.Count)).ToList();
            if (other is not null) aligned.Add((againstPath!, other.Count));
            foreach (var (path, count) in aligned)
                if (count != predictions.Count)
                    throw new UserError($"{hypPath} has {predictions.Count} lines but {path} has {count}: the files must be line-aligned");
            var perExample = predictions.Select((_, i) => (IReadOnlyList<string>)references.Select(r => r.lines[i]).ToList()).ToList();
            var scores = Rouge.PerExample(predictions, perExample, parse.GetValue(stem));
            T5EvalCommands.WriteScores(context, Rouge.Corpus(scores));
            if (other is not null) WriteComparison(context, scores, Rouge.PerExample(other, perExample, parse.GetValue(stem)), parse.GetValue(resamples), parse.GetValue(seed));
            return 0;
        }));
        return command;
    }

    /// <summary>"ROUGE-1: 32.9281 against 31.7733, difference +1.1548, 95 % interval [+0.3512, +1.9700], ahead in 99.8 % of 1,000 resamples".</summary>
    static void WriteComparison(CliContext context, List<Dictionary<string, RougeScore>> hyp, List<Dictionary<string, RougeScore>> other, int resamples, int seed)
    {
        var output = context.Console.Profile.Out.Writer;
        foreach (string type in Rouge.Types)
        {
            var c = PairedBootstrap.Compare(hyp.Select(s => s[type].F * 100).ToList(), other.Select(s => s[type].F * 100).ToList(), resamples, seed);
            output.WriteLine($"{Rouge.DisplayName(type)}: {c.MeanA:F4} against {c.MeanB:F4}, difference {c.Difference:+0.0000;-0.0000}, " +
                             $"95 % interval [{c.Low:+0.0000;-0.0000}, {c.High:+0.0000;-0.0000}], ahead in {c.ShareAhead * 100:F1} % of {c.Resamples:N0} resamples");
        }
    }

    static List<string> Lines(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        return TextFiles.ReadLinesUtf8(path).ToList();
    }
}
