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
        var command = new Command("rouge", "ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum F-measures (×100) of predictions against references.") { hyp, refs, stem };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            string hypPath = parse.GetValue(hyp)!.FullName;
            var predictions = Lines(hypPath);
            var references = parse.GetValue(refs)!.Select(f => (path: f.FullName, lines: Lines(f.FullName))).ToList();
            foreach (var (path, lines) in references)
                if (lines.Count != predictions.Count)
                    throw new UserError($"{hypPath} has {predictions.Count} lines but {path} has {lines.Count}: the files must be line-aligned");
            var perExample = predictions.Select((_, i) => (IReadOnlyList<string>)references.Select(r => r.lines[i]).ToList()).ToList();
            T5EvalCommands.WriteScores(context, Rouge.Corpus(predictions, perExample, parse.GetValue(stem)));
            return 0;
        }));
        return command;
    }

    static List<string> Lines(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        return TextFiles.ReadLinesUtf8(path).ToList();
    }
}
