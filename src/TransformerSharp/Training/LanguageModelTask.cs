using System.Text.Json.Nodes;
using TorchSharp;
using TransformerSharp.Models.Gpt;
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
            throw new UserError($"the {split} split has {data.Length} tokens, fewer than context + 1 = {context + 1}: use more text or a smaller context");
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

    public LanguageModelTask(Models.Gpt.Gpt model, ITokenizer tokenizer, TokenCorpus corpus, int batchSize, int evalBatches, long seed)
    {
        Gpt = model;
        Tokenizer = tokenizer;
        Corpus = corpus;
        BatchSize = batchSize;
        EvalBatches = evalBatches;
        this.seed = seed;
    }

    public Models.Gpt.Gpt Gpt { get; }
    public ITokenizer Tokenizer { get; }
    public TokenCorpus Corpus { get; }
    public int BatchSize { get; }
    public int EvalBatches { get; }
    public string Kind => GptCheckpoint.Kind;
    public nn.Module Model => Gpt;
    public long TokensPerBatch => (long)BatchSize * Gpt.Config.MaxPositions;

    public Tensor TrainingLoss(long step, int micro)
    {
        using var generator = new Generator((ulong)(seed * 7919 + step * 131 + micro + 1));
        var (x, y) = Corpus.Batch("train", BatchSize, Gpt.Config.MaxPositions, generator);
        return Gpt.Loss(x, y);
    }

    /// <summary>The same EvalBatches windows at every evaluation, so the numbers are comparable over time.</summary>
    public double EvaluationLoss(string split, CancellationToken cancel)
    {
        using var generator = new Generator((ulong)(seed * 7919 + (split == "train" ? 17 : 29)) + 1_000_000_007UL);
        double total = 0;
        for (int i = 0; i < EvalBatches; i++)
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var (x, y) = Corpus.Batch(split, BatchSize, Gpt.Config.MaxPositions, generator);
            total += Gpt.Loss(x, y).item<float>();
        }
        return total / EvalBatches;
    }

    public JsonObject Describe() => GptCheckpoint.Describe(Gpt.Config, Tokenizer);
}
