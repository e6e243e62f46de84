using TorchSharp;
using TransformerSharp.Models.Bert;
using TransformerSharp.Models.Gpt;
using TransformerSharp.Models.Translator;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Bench;

/// <summary>Training throughput of D2L's Transformer in the two translator presets' shapes, on random token ids.</summary>
public static class TranslationBenchmarks
{
    public sealed record Shape(string Name, int SourceVocab, int TargetVocab, int Batch, int Steps);

    public static readonly Shape[] Shapes =
    {
        new("translate d2l (vocab 195/214, batch 128, 9 steps)", 195, 214, 128, 9),
        new("translate full (vocab 5,881/9,211, batch 256, 10 steps)", 5881, 9211, 256, 10),
    };

    /// <summary>Target tokens per second of Adam training steps (forward, masked loss, backward, clip, step).</summary>
    public static double TokensPerSecond(Shape shape, int threads)
    {
        TorchRuntime.ConfigureThreads(threads);
        TorchRuntime.Seed(0);
        var model = new Transformer(TranslatorPresets.D2L.Transformer! with { SourceVocabSize = shape.SourceVocab, TargetVocabSize = shape.TargetVocab });
        model.train();
        var optimizer = optim.Adam(model.parameters(), 1e-3);
        using Tensor source = randint(4, shape.SourceVocab, new long[] { shape.Batch, shape.Steps });
        using Tensor target = randint(4, shape.TargetVocab, new long[] { shape.Batch, shape.Steps });
        using Tensor lens = full(shape.Batch, shape.Steps, ScalarType.Int64);
        double seconds = Timing.MedianSeconds(() =>
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            Models.Translator.Seq2Seq.MaskedLoss(model.Logits(source, lens, target), target, 0).backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
        }, warmup: 3, repeats: 10);
        return shape.Batch * shape.Steps / seconds;
    }
}
