using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using TransformerSharp.Evaluation;
using TransformerSharp.Generation;
using TransformerSharp.Models.T5;
using TransformerSharp.Text;

namespace TransformerSharp.Cli.Commands;

/// <summary>t5 summarize, t5 eval and t5 baselines: using a trained T5, and the report's reference points.</summary>
public static class T5EvalCommands
{
    sealed record DecodingOptions(Option<int?> Beam, Option<int?> MaxLength, Option<int?> NoRepeat, Option<NgramUnit?> NoRepeatUnit, Option<double?> LengthPenalty,
                                  Option<double?> RepetitionPenalty, Option<double?> EncoderRepetitionPenalty)
    {
        public IEnumerable<Option> All => new Option[] { Beam, MaxLength, NoRepeat, NoRepeatUnit, LengthPenalty, RepetitionPenalty, EncoderRepetitionPenalty };

        /// <summary>
        /// The preset's decoding with the options given; a checkpoint from another preset falls back on dialogsum-cpu's.
        /// With no summarizer yet, the options are only checked. A tokenizer that does not mark where words end
        /// (SentencePiece) makes the default n-grams count tokens.
        /// </summary>
        public T5Decoding Read(ParseResult parse, Summarizer? summarizer = null)
        {
            var text = summarizer?.Text;
            bool wordsKnown = summarizer is null || summarizer.Tokenizer.EndsWord is not null;
            var d = T5Presets.DialogSumCpu.Decoding with { MaxLength = text?.MaxTargetLength ?? T5Presets.DialogSumCpu.Decoding.MaxLength };
            var decoding = new T5Decoding(parse.GetValue(Beam) ?? d.Beam, parse.GetValue(LengthPenalty) ?? d.LengthPenalty,
                                          parse.GetValue(NoRepeat) ?? d.NoRepeatNgramSize, parse.GetValue(MaxLength) ?? d.MaxLength,
                                          parse.GetValue(NoRepeatUnit) ?? (wordsKnown ? d.NoRepeatUnit : NgramUnit.Token), parse.GetValue(RepetitionPenalty) ?? d.RepetitionPenalty,
                                          parse.GetValue(EncoderRepetitionPenalty) ?? d.EncoderRepetitionPenalty);
            decoding.Validate();
            return decoding;
        }
    }

    static DecodingOptions Decoding()
    {
        var d = T5Presets.DialogSumCpu.Decoding;
        return new(
            new Option<int?>("--beam") { Description = $"beam size; 1 decodes greedily (default {d.Beam})" },
            new Option<int?>("--max-length") { Description = "most tokens to write (default: the checkpoint's summary length)" },
            new Option<int?>("--no-repeat-ngram") { Description = $"never write an n-gram of this size twice; 0: off (default {d.NoRepeatNgramSize})" },
            new Option<NgramUnit?>("--no-repeat-unit") { Description = $"what those n-grams count: token (Hugging Face) or word (default {d.NoRepeatUnit.ToString().ToLowerInvariant()})" },
            new Option<double?>("--length-penalty") { Description = $"GNMT length penalty alpha for beam search (default {d.LengthPenalty})" },
            new Option<double?>("--repetition-penalty") { Description = $"Hugging Face's repetition_penalty: above 1 discourages tokens already written; 1: off (default {d.RepetitionPenalty})" },
            new Option<double?>("--encoder-repetition-penalty")
            {
                Description = $"Hugging Face's encoder_repetition_penalty: above 1 favours tokens of the input; 1: off (default {d.EncoderRepetitionPenalty})",
            });
    }

    static Option<bool> Stem() => new("--stem") { Description = "Porter-stem tokens longer than 3 characters (rouge_score's use_stemmer)" };

    public static Command Summarize(CliContext context)
    {
        var model = ModelSource.Checkpoint("a T5 checkpoint");
        var pretrained = ModelSource.Pretrained("T5");
        var input = new Option<FileInfo?>("--input") { Description = "a DialogSum-style jsonl file (one dialogue per line), or a text file holding one document" };
        var texts = new Argument<string[]>("text") { Description = "documents to summarize", Arity = ArgumentArity.ZeroOrMore };
        var decoding = Decoding();
        var command = new Command("summarize", "Summarize documents with a fine-tuned T5 (a pretrained-only T5 fills in <extra_id_k> spans instead).")
        {
            model, pretrained, input, texts,
        };
        foreach (var option in decoding.All) command.Options.Add(option);
        command.SetAction(parse => context.Guard(parse, () =>
        {
            decoding.Read(parse);                                                   // bad options fail before any loading
            var (checkpoint, directory) = ModelSource.Choose(parse, model, pretrained);
            var summarizer = directory is null ? Summarizer.Load(checkpoint!) : Summarizer.LoadPretrained(directory);
            var documents = (parse.GetValue(texts) ?? Array.Empty<string>()).ToList();
            if (parse.GetValue(input) is { } file) documents.AddRange(ReadDocuments(file.FullName));
            if (documents.Count == 0) throw new UserError("nothing to summarize: give TEXT arguments or --input FILE");
            if (summarizer.Text.Objective != T5TextSettings.Summarize)
                context.Error.WriteLine("note: this checkpoint was pretrained only: it fills in <extra_id_k> spans, it has not learned to summarize");
            var output = context.Console.Profile.Out.Writer;
            var summaries = summarizer.Generate(documents, decoding.Read(parse, summarizer), warn => context.Error.WriteLine($"warning: {warn}"));
            foreach (string summary in summaries) output.WriteLine(summary);
            return 0;
        }));
        return command;
    }

    static IEnumerable<string> ReadDocuments(string path) => path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)
        ? DialogSum.Read(path).Select(d => d.Text)
        : new[] { TextFiles.ReadNonEmpty(path, "a document to summarize") };

    public static Command Eval(CliContext context)
    {
        var model = ModelSource.Checkpoint("a fine-tuned T5 checkpoint");
        var pretrained = ModelSource.Pretrained("T5");
        var test = new Option<FileInfo>("--test") { Description = "DialogSum jsonl: dialogues with summary, or summary1…summary3", Required = true };
        var limit = new Option<int?>("--limit") { Description = "only the first N dialogues" };
        var outputFile = new Option<FileInfo?>("--output") { Description = "write the summaries here, one per line" };
        var stem = Stem();
        var decoding = Decoding();
        var command = new Command("eval", "ROUGE of a T5's summaries against every reference summary of each dialogue.") { model, pretrained, test, limit, outputFile, stem };
        foreach (var option in decoding.All) command.Options.Add(option);
        command.SetAction(parse => context.Guard(parse, () =>
        {
            decoding.Read(parse);
            var (checkpoint, directory) = ModelSource.Choose(parse, model, pretrained);
            var summarizer = directory is null ? Summarizer.Load(checkpoint!) : Summarizer.LoadPretrained(directory);
            var dialogues = Limit(DialogSum.Read(parse.GetValue(test)!.FullName), parse.GetValue(limit));
            var settings = decoding.Read(parse, summarizer);
            var clock = Stopwatch.StartNew();
            // Progress as plain lines from this thread: a live display's own thread allocating (and so collecting) while
            // libtorch runs can free a Scalar TorchSharp created implicitly for that call (see the README).
            int done = 0, next = 0;
            var summaries = summarizer.Generate(dialogues.Select(d => d.Text).ToList(), settings, warn => context.Error.WriteLine($"warning: {warn}"),
                count =>
                {
                    done += count;
                    if (done < next && done < dialogues.Count) return;
                    context.Error.WriteLine($"summarized {done}/{dialogues.Count} (beam {settings.Beam}, {clock.Elapsed.TotalSeconds:F0} s)");
                    next = done + Math.Max(1, dialogues.Count / 10);
                });
            if (parse.GetValue(outputFile) is { } file) File.WriteAllLines(file.FullName, summaries.Select(OneLine));
            WriteScores(context, Rouge.Corpus(summaries, dialogues.Select(d => d.Summaries).ToList(), parse.GetValue(stem)));
            context.Error.WriteLine($"{dialogues.Count} dialogues in {clock.Elapsed.TotalSeconds:F0} s");
            return 0;
        }));
        return command;
    }

    public static Command Baselines(CliContext context)
    {
        var test = new Option<FileInfo>("--test") { Description = "DialogSum jsonl with summary1…summary3 (the test split)", Required = true };
        var limit = new Option<int?>("--limit") { Description = "only the first N dialogues" };
        var stem = Stem();
        var command = new Command("baselines", "ROUGE of extractive baselines (first three utterances, three longest) and of human agreement (summary1 against 2 and 3).")
        {
            test, limit, stem,
        };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            var dialogues = Limit(DialogSum.Read(parse.GetValue(test)!.FullName), parse.GetValue(limit));
            bool stemmed = parse.GetValue(stem);
            var references = dialogues.Select(d => d.Summaries).ToList();
            var rows = new List<(string name, RougeCorpus score)>
            {
                ("first three utterances", Rouge.Corpus(dialogues.Select(DialogSum.Lead3).ToList(), references, stemmed)),
                ("three longest utterances", Rouge.Corpus(dialogues.Select(DialogSum.Longest3).ToList(), references, stemmed)),
            };
            if (dialogues.All(d => d.Summaries.Count >= 2))
                rows.Add(("human: summary1 against the others", Rouge.Corpus(dialogues.Select(d => d.Summaries[0]).ToList(),
                                                                             dialogues.Select(d => (IReadOnlyList<string>)d.Summaries.Skip(1).ToList()).ToList(), stemmed)));
            else context.Error.WriteLine("note: no human agreement row: some dialogues have a single reference summary");
            var table = new Table().AddColumns("baseline", "ROUGE-1", "ROUGE-2", "ROUGE-L", "ROUGE-Lsum");
            foreach (var (name, score) in rows)
                table.AddRow(new[] { name }.Concat(Rouge.Types.Select(t => $"{score.Mean[t].F * 100:F2}")).ToArray());
            context.Console.Write(table);
            return 0;
        }));
        return command;
    }

    public static void WriteScores(CliContext context, RougeCorpus score)
    {
        foreach (string line in score.Lines()) context.Console.Profile.Out.Writer.WriteLine(line);
    }

    static IReadOnlyList<Dialogue> Limit(IReadOnlyList<Dialogue> dialogues, int? limit)
    {
        return limit is int n ? dialogues.Take(n).ToList() : dialogues;
    }

    static string OneLine(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
