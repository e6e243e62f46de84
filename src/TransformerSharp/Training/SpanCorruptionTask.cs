using System.Text.Json.Nodes;
using TorchSharp;
using TransformerSharp.Models.T5;
using TransformerSharp.Text;
using static TorchSharp.torch;

namespace TransformerSharp.Training;

/// <summary>
/// T5's pretraining: windows of the token stream at offsets drawn from (seed, step), each corrupted by
/// <see cref="SpanCorruption"/> with the same draw, so a batch depends on the step alone and resume is exact.
/// Window length: as many tokens as make InputLength input ids after corruption (T5's random_spans_helper).
/// </summary>
public sealed class SpanCorruptionTask : ITrainingTask
{
    readonly T5 model;
    readonly T5Tokenizer tokenizer;
    readonly int[] train, valid;
    readonly int batchSize, evalBatches, tokensLength;
    readonly long seed;
    readonly double labelSmoothing;
    readonly JsonObject description;

    public SpanCorruptionTask(T5 model, T5Tokenizer tokenizer, int[] train, int[] valid, int batchSize, int inputLength, int evalBatches,
                              long seed, JsonObject description, double labelSmoothing = 0.0)
    {
        (this.model, this.tokenizer, this.train, this.valid, this.batchSize, this.evalBatches, this.seed, this.description, this.labelSmoothing) =
            (model, tokenizer, train, valid, batchSize, evalBatches, seed, description, labelSmoothing);
        tokensLength = SpanCorruption.Lengths(inputLength).tokensLength;
        if (train.Length <= tokensLength) throw new UserError($"the pretraining text has {train.Length:N0} tokens, fewer than one window of {tokensLength}");
    }

    public string Kind => T5Checkpoint.Kind;
    public nn.Module Model => model;
    public long TokensPerBatch { get; private set; }
    public int TokensLength => tokensLength;

    /// <summary>The batch of (inputs, targets) a random source draws from a token stream.</summary>
    public List<(int[] source, int[] target)> Batch(int[] stream, Random random)
    {
        var pairs = new List<(int[], int[])>(batchSize);
        int window = Math.Min(tokensLength, stream.Length);
        for (int b = 0; b < batchSize; b++)
        {
            int start = random.Next(0, stream.Length - window + 1);
            pairs.Add(SpanCorruption.Corrupt(new ArraySegment<int>(stream, start, window), tokenizer.VocabSize, T5Tokenizer.EosId, random));
        }
        return pairs;
    }

    public Tensor TrainingLoss(long step, int micro)
    {
        var (loss, tokens) = Seq2SeqBatches.Loss(model, Batch(train, Trainer.StepRandom(seed, step, micro)), T5Tokenizer.PadId, model.Config.DecoderStartTokenId, labelSmoothing);
        TokensPerBatch = tokens;
        return loss;
    }

    /// <summary>The same evaluation batches every time: drawn from fixed seeds, not the step's.</summary>
    public double EvaluationLoss(string split, CancellationToken cancel)
    {
        int[] stream = split == "train" ? train : valid;
        if (stream.Length == 0) return double.NaN;
        return Seq2SeqBatches.MeanLoss(model, Enumerable.Range(0, evalBatches).Select(i => Batch(stream, Trainer.StepRandom(seed, -1 - i))),
                                       T5Tokenizer.PadId, model.Config.DecoderStartTokenId, cancel);
    }

    public JsonObject Describe() => (JsonObject)description.DeepClone();
}
