using System.CommandLine;
using System.Text.Json;
using TransformerSharp.Interop;
using TransformerSharp.Models.Bert;
using static TorchSharp.torch;

namespace TransformerSharp.Cli.Commands;

/// <summary>bert embed | similarity (pretrained MiniLM); pretraining and fine-tuning are in BertTrainingCommands.</summary>
public static class BertCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("bert", "An encoder-only model: sentence embeddings and similarity from real pretrained weights, pretraining, fine-tuning.");
        command.Subcommands.Add(Embed(context));
        command.Subcommands.Add(Similarity(context));
        command.Subcommands.Add(BertTrainingCommands.Pretrain(context));
        command.Subcommands.Add(BertTrainingCommands.FineTune(context));
        command.Subcommands.Add(BertTrainingCommands.Predict(context));
        return command;
    }

    static Option<string> Pretrained() => new("--pretrained")
    {
        Description = "minilm (all-MiniLM-L6-v2, bundled) or a Hugging Face BERT directory (config.json, model.safetensors, vocab.txt)",
        DefaultValueFactory = _ => HuggingFaceExport.MiniLmName,
    };

    /// <summary>The sentence embedder --pretrained names; embeddings are mean-pooled, as sentence-transformers' are.</summary>
    static SentenceEmbedder Embedder(string pretrained)
    {
        if (pretrained == HuggingFaceExport.MiniLmName) return SentenceEmbedder.MiniLM();
        if (!Directory.Exists(pretrained)) throw new UserError($"--pretrained {pretrained}: neither minilm nor a directory");
        var (model, tokenizer) = BertHuggingFace.Load(pretrained);
        return new SentenceEmbedder(model, tokenizer);
    }

    static Command Embed(CliContext context)
    {
        var pretrained = Pretrained();
        var input = new Option<FileInfo>("--input") { Description = "one sentence per line", Required = true };
        var output = new Option<FileInfo?>("--output") { Description = "JSON lines (default: standard output)" };
        var hiddenStates = new Option<bool>("--hidden-states") { Description = "also write each token's last hidden state and the token ids" };
        var command = new Command("embed", "Sentence embeddings (384 floats for MiniLM) as JSON lines.") { pretrained, input, output, hiddenStates };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            string path = parse.GetValue(input)!.FullName;
            if (!File.Exists(path)) throw new UserError($"{path}: file not found");
            string[] lines = File.ReadAllLines(path);
            int empty = Array.FindIndex(lines, l => l.Trim().Length == 0);
            if (empty >= 0) throw new InvalidDataException($"{path}:{empty + 1}: the line is empty; give one sentence per line");
            if (lines.Length == 0) throw new InvalidDataException($"{path}: the file has no sentences");
            var writer = parse.GetValue(output) is { } file ? new StreamWriter(file.FullName) : context.Console.Profile.Out.Writer;
            try
            {
                var embedder = Embedder(parse.GetValue(pretrained)!);             // loaded once for every batch
                // Batches of 32 sentences keep padding and memory small.
                for (int start = 0; start < lines.Length; start += 32)
                {
                    using var scope = NewDisposeScope();
                    var chunk = lines.Skip(start).Take(32).ToList();
                    var (embeddings, hidden, inputs) = embedder.Embed(chunk, i =>
                        context.Error.WriteLine($"warning: {path}:{start + i + 1}: longer than 512 tokens, truncated"));
                    for (int i = 0; i < chunk.Count; i++)
                    {
                        var record = new Dictionary<string, object> { ["text"] = chunk[i], ["embedding"] = embeddings[i] };
                        if (parse.GetValue(hiddenStates))
                        {
                            record["token_ids"] = inputs[i].Ids;
                            record["last_hidden_state"] = Enumerable.Range(0, inputs[i].Ids.Length)
                                .Select(t => hidden[i, t].data<float>().ToArray()).ToArray();
                        }
                        writer.WriteLine(JsonSerializer.Serialize(record));
                    }
                }
            }
            finally { if (parse.GetValue(output) is not null) writer.Dispose(); else writer.Flush(); }
            return 0;
        }));
        return command;
    }

    static Command Similarity(CliContext context)
    {
        var pretrained = Pretrained();
        var first = new Argument<string>("first");
        var second = new Argument<string>("second");
        var command = new Command("similarity", "Cosine similarity of two sentences' embeddings.") { pretrained, first, second };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            var (embeddings, _, _) = Embedder(parse.GetValue(pretrained)!).Embed(new[] { parse.GetValue(first)!, parse.GetValue(second)! },
                                           i => context.Error.WriteLine($"warning: sentence {i + 1} is longer than 512 tokens, truncated"));
            double cosine = embeddings[0].Zip(embeddings[1], (a, b) => (double)a * b).Sum();   // both have unit length
            context.Console.Profile.Out.Writer.WriteLine(cosine.ToString("F4", System.Globalization.CultureInfo.InvariantCulture));
            return 0;
        }));
        return command;
    }
}
