using System.Text.Json.Nodes;
using TorchSharp;
using TransformerSharp.Models.Bert;
using TransformerSharp.Text;
using static TorchSharp.torch;

namespace TransformerSharp.Training;

/// <summary>D2L 15.10: BERT pretraining on MLM + NSP; batches drawn by (seed, step); MLM and NSP losses kept apart for display.</summary>
public sealed class BertPretrainingTask(BertForPretraining model, WikiTextBert data, int batchSize, long seed) : ITrainingTask
{
    readonly int[] train = Enumerable.Range(0, data.Examples.Count * 19 / 20).ToArray();
    readonly int[] valid = Enumerable.Range(data.Examples.Count * 19 / 20, data.Examples.Count - data.Examples.Count * 19 / 20).ToArray();

    public string Kind => BertCheckpoint.PretrainingKind;
    public nn.Module Model => model;
    public long TokensPerBatch { get; private set; }
    public double LastMlm { get; private set; }
    public double LastNsp { get; private set; }
    public (double mlm, double nsp) LastEvaluation { get; private set; }

    public Tensor TrainingLoss(long step, int micro)
    {
        var random = Trainer.StepRandom(seed, step, micro);
        int[] batch = Enumerable.Range(0, batchSize).Select(_ => train[random.Next(train.Length)]).ToArray();
        TokensPerBatch = batch.Sum(i => (long)data.Examples[i].Tokens.Length);
        var (mlm, nsp) = Losses(batch);
        LastMlm = mlm.item<float>();
        LastNsp = nsp.item<float>();
        return mlm + nsp;
    }

    public double EvaluationLoss(string split, CancellationToken cancel)
    {
        int[] pool = split == "train" ? train : valid;
        if (pool.Length == 0) return double.NaN;
        double mlmTotal = 0, nspTotal = 0;
        int batches = 0;
        foreach (var chunk in pool.Take(4 * batchSize).Chunk(batchSize))
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var (mlm, nsp) = Losses(chunk);
            mlmTotal += mlm.item<float>();
            nspTotal += nsp.item<float>();
            batches++;
        }
        if (split == "valid") LastEvaluation = (mlmTotal / batches, nspTotal / batches);
        return (mlmTotal + nspTotal) / batches;
    }

    (Tensor mlm, Tensor nsp) Losses(IReadOnlyList<int> indices)
    {
        var (tokens, segments, lens, positions, weights, labels, nsp) = data.Batch(indices);
        return model.Losses(tokens, segments, lens, positions, weights, labels, nsp);
    }

    public JsonObject Describe() =>
        BertCheckpoint.Describe(model.Encoder.Config, data.Vocab, new JsonObject { ["max_length"] = data.MaxLength });
}
