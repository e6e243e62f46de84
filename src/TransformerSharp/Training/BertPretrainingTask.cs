using System.Text.Json.Nodes;
using TorchSharp;
using TransformerSharp.Models;
using TransformerSharp.Text;
using static TorchSharp.torch;

namespace TransformerSharp.Training;

/// <summary>D2L 15.10: BERT pretraining on MLM + NSP; batches drawn by (seed, step); MLM and NSP losses kept apart for display.</summary>
public sealed class BertPretrainingTask(BertForPretraining model, WikiTextBert data, int batchSize, long seed) : ITrainingTask
{
    readonly int[] train = Enumerable.Range(0, data.Examples.Count * 19 / 20).ToArray();
    readonly int[] valid = Enumerable.Range(data.Examples.Count * 19 / 20, data.Examples.Count - data.Examples.Count * 19 / 20).ToArray();

    public string Kind => "bert";
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

    public double EvaluationLoss(string split)
    {
        int[] pool = split == "train" ? train : valid;
        if (pool.Length == 0) return double.NaN;
        double mlmTotal = 0, nspTotal = 0;
        int batches = 0;
        foreach (var chunk in pool.Take(4 * batchSize).Chunk(batchSize))
        {
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

    public JsonObject Describe() => new()
    {
        ["config"] = BertCheckpoint.DescribeConfig(model.Encoder.Config),
        ["vocab"] = new JsonArray(data.Vocab.Tokens.Select(t => (JsonNode)t).ToArray()),
        ["max_length"] = data.MaxLength,
    };
}

/// <summary>BERT config to and from checkpoint metadata.</summary>
public static class BertCheckpoint
{
    public static JsonObject DescribeConfig(BertConfig c) => new()
    {
        ["vocab_size"] = c.VocabSize, ["hidden"] = c.Hidden, ["layers"] = c.Layers, ["heads"] = c.Heads, ["intermediate"] = c.Intermediate,
        ["max_positions"] = c.MaxPositions, ["type_vocab"] = c.TypeVocab, ["dropout"] = c.Dropout, ["gelu"] = c.Gelu,
        ["layer_norm_eps"] = c.LayerNormEps, ["pooler"] = c.Pooler, ["embedding_norm"] = c.EmbeddingNorm,
    };

    public static BertConfig ReadConfig(JsonObject c) => new(
        c["vocab_size"]!.GetValue<int>(), c["hidden"]!.GetValue<int>(), c["layers"]!.GetValue<int>(), c["heads"]!.GetValue<int>(),
        c["intermediate"]!.GetValue<int>(), c["max_positions"]!.GetValue<int>(), c["type_vocab"]!.GetValue<int>(), c["dropout"]!.GetValue<double>(),
        c["gelu"]!.GetValue<bool>(), c["layer_norm_eps"]!.GetValue<double>(), c["pooler"]!.GetValue<bool>(), c["embedding_norm"]!.GetValue<bool>());
}
