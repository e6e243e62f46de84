using System.Text.Json.Nodes;
using TorchSharp;
using TransformerSharp.Models;
using TransformerSharp.Text;
using static TorchSharp.torch;

namespace TransformerSharp.Training;

/// <summary>A tokenised text split 90/10 into train and validation, served as random windows of context + 1 tokens.</summary>
public sealed class TokenCorpus
{
    public int[] Train { get; }
    public int[] Valid { get; }

    public TokenCorpus(int[] tokens, double trainFraction = 0.9)
    {
        int cut = (int)(tokens.Length * trainFraction);
        Train = tokens[..cut];
        Valid = tokens[cut..];
    }

    /// <summary>(batch, context) inputs and the same shifted by one as targets, windows drawn by the generator.</summary>
    public (Tensor x, Tensor y) Batch(string split, int batchSize, int context, Generator generator)
    {
        int[] data = Split(split);
        if (data.Length <= context)
            throw new ArgumentException($"the {split} split has {data.Length} tokens, fewer than context + 1 = {context + 1}: use more text or a smaller context");
        long[] starts = randint(0, data.Length - context, new long[] { batchSize }, generator: generator).data<long>().ToArray();
        return Windows(split, starts, context);
    }

    /// <summary>The windows of context + 1 tokens that begin at the given offsets: inputs and targets, (starts, context) each.</summary>
    public (Tensor x, Tensor y) Windows(string split, IReadOnlyList<long> starts, int context)
    {
        int[] data = Split(split);
        var x = new long[starts.Count * context];
        var y = new long[starts.Count * context];
        for (int b = 0; b < starts.Count; b++)
        {
            if (starts[b] < 0 || starts[b] + context >= data.Length)
                throw new ArgumentOutOfRangeException(nameof(starts), $"a window at {starts[b]} does not fit the {split} split of {data.Length} tokens");
            for (int t = 0; t < context; t++)
            {
                x[b * context + t] = data[starts[b] + t];
                y[b * context + t] = data[starts[b] + t + 1];
            }
        }
        return (tensor(x).reshape(starts.Count, context), tensor(y).reshape(starts.Count, context));
    }

    int[] Split(string split) => split switch
    {
        "train" => Train,
        "valid" => Valid,
        _ => throw new ArgumentException($"unknown split '{split}': use train or valid"),
    };
}

/// <summary>Next-token prediction on a corpus: a GPT, its tokenizer, and how batches are drawn.</summary>
public sealed class LanguageModelTask : ITrainingTask
{
    readonly long seed;

    public LanguageModelTask(Gpt model, ITextTokenizer tokenizer, TokenCorpus corpus, int batchSize, int evalBatches, long seed)
    {
        Gpt = model;
        Tokenizer = tokenizer;
        Corpus = corpus;
        BatchSize = batchSize;
        EvalBatches = evalBatches;
        this.seed = seed;
    }

    public Gpt Gpt { get; }
    public ITextTokenizer Tokenizer { get; }
    public TokenCorpus Corpus { get; }
    public int BatchSize { get; }
    public int EvalBatches { get; }
    public string Kind => "gpt";
    public nn.Module Model => Gpt;
    public long TokensPerBatch => (long)BatchSize * Gpt.Config.Context;

    public Tensor TrainingLoss(long step, int micro)
    {
        using var generator = new Generator((ulong)(seed * 7919 + step * 131 + micro + 1));
        var (x, y) = Corpus.Batch("train", BatchSize, Gpt.Config.Context, generator);
        return Gpt.Loss(x, y);
    }

    /// <summary>The same EvalBatches windows at every evaluation, so the numbers are comparable over time.</summary>
    public double EvaluationLoss(string split)
    {
        using var generator = new Generator((ulong)(seed * 7919 + (split == "train" ? 17 : 29)) + 1_000_000_007UL);
        double total = 0;
        for (int i = 0; i < EvalBatches; i++)
        {
            using var scope = NewDisposeScope();
            var (x, y) = Corpus.Batch(split, BatchSize, Gpt.Config.Context, generator);
            total += Gpt.Loss(x, y).item<float>();
        }
        return total / EvalBatches;
    }

    public JsonObject Describe() => GptCheckpoint.Describe(Gpt.Config, Tokenizer);
}

/// <summary>Writes and reads what a GPT checkpoint holds besides tensors: the config and the tokenizer.</summary>
public static class GptCheckpoint
{
    public static JsonObject Describe(GptConfig config, ITextTokenizer tokenizer) => new()
    {
        ["config"] = new JsonObject
        {
            ["layers"] = config.Layers, ["heads"] = config.Heads, ["width"] = config.Width, ["context"] = config.Context,
            ["vocab_size"] = config.VocabSize, ["dropout"] = config.Dropout, ["bias"] = config.Bias, ["embedding_std"] = config.EmbeddingStd,
        },
        ["tokenizer"] = new JsonObject { ["kind"] = tokenizer.Kind, ["state"] = tokenizer.Describe() },
    };

    /// <summary>Builds the model and tokenizer a checkpoint describes and loads its weights.</summary>
    public static (Gpt model, ITextTokenizer tokenizer, JsonObject metadata) Load(string path)
    {
        var (_, metadata) = Checkpoint.ReadHeader(path, "gpt");
        var c = metadata["config"]!.AsObject();
        var config = new GptConfig(c["layers"]!.GetValue<int>(), c["heads"]!.GetValue<int>(), c["width"]!.GetValue<int>(),
                                   c["context"]!.GetValue<int>(), c["vocab_size"]!.GetValue<int>(), c["dropout"]!.GetValue<double>(),
                                   c["bias"]!.GetValue<bool>(), c["embedding_std"]?.GetValue<double>() ?? 0.02);
        var t = metadata["tokenizer"]!.AsObject();
        ITextTokenizer tokenizer = TextTokenizers.Restore(t["kind"]!.GetValue<string>(), t["state"]!.GetValue<string>());
        var model = new Gpt(config);
        Checkpoint.Load(path, "gpt", model);
        model.eval();
        return (model, tokenizer, metadata);
    }
}
