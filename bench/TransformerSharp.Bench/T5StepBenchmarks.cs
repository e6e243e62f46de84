using TorchSharp;
using TransformerSharp.Models.T5;
using TransformerSharp.Text;
using TransformerSharp.Torch;
using TransformerSharp.Training;
using static TorchSharp.torch;

namespace TransformerSharp.Bench;

/// <summary>
/// A whole training step (forward, cross-entropy, backward, AdamW) of T5 dialogsum-cpu, products in float32 or in
/// bf16 (<see cref="MatmulPrecision"/>): pretraining's batches (32 × 128 → 32 × 29, one shape throughout) and
/// fine-tuning's (16 dialogues of 64 to 384 ids → summaries of 10 to 64, a new length nearly every step, as the
/// length-sorted batches of DialogSum make), the latter with the dropout of the preset.
/// </summary>
public static class T5StepBenchmarks
{
    public static readonly string[] Stages = { "pretraining", "fine-tuning" };

    /// <summary>Median seconds of a step, after warm-up steps that let oneDNN compile its kernels for the shapes that recur.</summary>
    public static double Seconds(string stage, bool bf16, int threads)
    {
        TorchRuntime.ConfigureThreads(threads);
        TorchRuntime.Seed(0);
        bool pretraining = stage == "pretraining";
        var config = T5Presets.DialogSumCpu.Model with { VocabSize = 8666, DropoutRate = pretraining ? 0.0 : 0.1 };
        using var model = new T5(config);
        model.train();
        using var optimizer = optim.AdamW(model.parameters(), 1e-4);
        var random = new Random(0);
        int[] Ids(int count) => Enumerable.Range(0, count).Select(_ => random.Next(3, config.VocabSize)).ToArray();
        List<(int[], int[])> Batch()
        {
            int batch = pretraining ? 32 : 16, source = pretraining ? 128 : random.Next(64, 385), target = pretraining ? 29 : random.Next(10, 65);
            return Enumerable.Range(0, batch).Select(_ => (Ids(source), Ids(target))).ToList();
        }
        using var precision = MatmulPrecision.Use(bf16);
        return Timing.MedianSeconds(() =>
        {
            var batch = Batch();
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            Seq2SeqBatches.Loss(model, batch, T5Tokenizer.PadId, config.DecoderStartTokenId).loss.backward();
            optimizer.step();
        }, warmup: 20, repeats: 41);
    }
}
