using System.Text.Json.Nodes;
using TorchSharp;
using TransformerSharp.Models.Translator;
using TransformerSharp.Text;
using static TorchSharp.torch;

namespace TransformerSharp.Training;

/// <summary>
/// Teacher-forced training of a sequence-to-sequence model with D2L's masked loss. Steps are grouped into epochs;
/// each epoch's batches come from a shuffle seeded by (seed, epoch), optionally bucketed by length so that padding
/// stays small, so a batch depends on the step alone and a resumed run sees the same data.
/// </summary>
public sealed class TranslationTask : ITrainingTask
{
    readonly long seed;
    readonly Dictionary<long, List<int[]>> epochs = new();

    public TranslationTask(ISeq2SeqModel model, TranslationData data, IReadOnlyList<int> train, IReadOnlyList<int> valid,
                           int batchSize, long seed, bool bucketByLength = false, double labelSmoothing = 0.0, string? preset = null)
    {
        Seq2Seq = model;
        Data = data;
        Train = train;
        Valid = valid;
        BatchSize = batchSize;
        this.seed = seed;
        BucketByLength = bucketByLength;
        LabelSmoothing = labelSmoothing;
        Preset = preset;
        if (train.Count == 0) throw new UserError("no training pairs");
    }

    public ISeq2SeqModel Seq2Seq { get; }
    public TranslationData Data { get; }
    public IReadOnlyList<int> Train { get; }
    public IReadOnlyList<int> Valid { get; }
    public int BatchSize { get; }
    public bool BucketByLength { get; }
    public double LabelSmoothing { get; }
    public string? Preset { get; }
    public int StepsPerEpoch => (Train.Count + BatchSize - 1) / BatchSize;
    public string Kind => TranslatorCheckpoint.Kind;
    public nn.Module Model => Seq2Seq.Module;
    public long TokensPerBatch { get; private set; }

    /// <summary>The pairs of a step's batch: its epoch's shuffle (bucketed by length when asked), then the step's slice.</summary>
    public int[] BatchIndices(long step) => EpochBatches(step / StepsPerEpoch)[(int)(step % StepsPerEpoch)];

    public Tensor TrainingLoss(long step, int micro)
    {
        int[] indices = BatchIndices(step);
        var (src, decIn, validLens, label) = Data.Batch(indices, trim: BucketByLength);
        int pad = Data.TargetVocab[Vocabulary.Pad];
        TokensPerBatch = label.ne(pad).sum().item<long>();                           // target tokens, padding excluded
        return Models.Translator.Seq2Seq.MaskedLoss(Seq2Seq.Logits(src, validLens, decIn), label, Data.TargetVocab[Vocabulary.Pad], LabelSmoothing);
    }

    /// <summary>Mean masked loss over the whole split (train is capped at 2,000 pairs to keep evaluation quick).</summary>
    public double EvaluationLoss(string split, CancellationToken cancel)
    {
        IReadOnlyList<int> pairs = split == "train" ? Train.Take(2000).ToList() : Valid;
        if (pairs.Count == 0) return double.NaN;
        double total = 0;
        long tokens = 0;
        int pad = Data.TargetVocab[Vocabulary.Pad];
        for (int start = 0; start < pairs.Count; start += BatchSize)
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var chunk = pairs.Skip(start).Take(BatchSize).ToList();
            var (src, decIn, validLens, label) = Data.Batch(chunk);
            long count = label.ne(pad).sum().item<long>();
            total += Models.Translator.Seq2Seq.MaskedLoss(Seq2Seq.Logits(src, validLens, decIn), label, pad).item<float>() * count;
            tokens += count;
        }
        return total / Math.Max(1, tokens);
    }

    List<int[]> EpochBatches(long epoch)
    {
        if (epochs.TryGetValue(epoch, out var cached)) return cached;
        var batches = LengthBuckets.Epoch(Train, BatchSize, Trainer.StepRandom(seed, epoch),
            BucketByLength ? i => (Data.Pairs[i].Source.Length, Data.Pairs[i].Target.Length) : null);
        epochs.Clear();
        epochs[epoch] = batches;
        return batches;
    }

    public JsonObject Describe() => TranslatorCheckpoint.Describe(Seq2Seq, Data, Preset);
}
