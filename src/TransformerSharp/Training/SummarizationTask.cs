using System.Text.Json.Nodes;
using TorchSharp;
using TransformerSharp.Models.T5;
using TransformerSharp.Text;
using static TorchSharp.torch;

namespace TransformerSharp.Training;

/// <summary>
/// Fine-tuning T5 text to text: "summarize: " + dialogue in, summary out. Each epoch's order is a shuffle from
/// (seed, epoch), sorted by length within pools of 50 batches so that padding stays small, the batches then shuffled.
/// </summary>
public sealed class SummarizationTask : ITrainingTask
{
    readonly T5 model;
    readonly IReadOnlyList<(int[] source, int[] target)> train, valid;
    readonly int batchSize, evalBatches;
    readonly long seed;
    readonly double labelSmoothing;
    readonly JsonObject description;
    (long epoch, List<int[]> batches)? current;

    public SummarizationTask(T5 model, IReadOnlyList<(int[], int[])> train, IReadOnlyList<(int[], int[])> valid, int batchSize, int evalBatches,
                             long seed, JsonObject description, double labelSmoothing = 0.0)
    {
        if (train.Count == 0) throw new UserError("no training dialogues");
        (this.model, this.train, this.valid, this.batchSize, this.evalBatches, this.seed, this.description, this.labelSmoothing) =
            (model, train, valid, batchSize, evalBatches, seed, description, labelSmoothing);
    }

    public string Kind => T5Checkpoint.Kind;
    public nn.Module Model => model;
    public long TokensPerBatch { get; private set; }
    public int StepsPerEpoch => (train.Count + batchSize - 1) / batchSize;

    public int[] BatchIndices(long step) => EpochBatches(step / StepsPerEpoch)[(int)(step % StepsPerEpoch)];

    public Tensor TrainingLoss(long step, int micro)
    {
        var (loss, tokens) = Seq2SeqBatches.Loss(model, BatchIndices(step).Select(i => train[i]).ToList(), T5Tokenizer.PadId, model.Config.DecoderStartTokenId,
                                                 labelSmoothing);
        TokensPerBatch = tokens;
        return loss;
    }

    /// <summary>Mean loss over the split's first EvalBatches × BatchSize examples (the same every time), batched by length.</summary>
    public double EvaluationLoss(string split, CancellationToken cancel)
    {
        var pairs = (split == "train" ? train : valid).Take(evalBatches * batchSize).OrderBy(p => p.source.Length).ToList();
        return Seq2SeqBatches.MeanLoss(model, pairs.Chunk(batchSize), T5Tokenizer.PadId, model.Config.DecoderStartTokenId, cancel);
    }

    List<int[]> EpochBatches(long epoch)
    {
        if (current is { } c && c.epoch == epoch) return c.batches;
        var batches = LengthBuckets.Epoch(Enumerable.Range(0, train.Count), batchSize, Trainer.StepRandom(seed, epoch), i => (train[i].source.Length, 0));
        current = (epoch, batches);
        return batches;
    }

    public JsonObject Describe() => (JsonObject)description.DeepClone();
}
