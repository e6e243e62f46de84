using System.Diagnostics;
using TorchSharp;
using TransformerSharp.Generation;
using TransformerSharp.Models.Bert;
using TransformerSharp.Models.Gpt;
using TransformerSharp.Models.Translator;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Bench;

public static class GptBenchmarks
{
    /// <summary>Seconds to generate 500 tokens greedily with and without the key/value cache (context large enough for all).</summary>
    public static (double cached, double recomputed, bool sameTokens) KvCache(int threads, int newTokens = 500)
    {
        TorchRuntime.ConfigureThreads(threads);
        TorchRuntime.Seed(0);
        var model = new Gpt(new GptConfig(Layers: 4, Heads: 4, Width: 128, MaxPositions: 1024, VocabSize: 65));
        int[] prompt = { 1, 2, 3, 4, 5, 6, 7, 8 };
        var watch = Stopwatch.StartNew();
        var cached = TextGenerator.GenerateIds(model, prompt, new SamplingOptions(newTokens, Temperature: 0, UseCache: true));
        double cachedSeconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        var full = TextGenerator.GenerateIds(model, prompt, new SamplingOptions(newTokens, Temperature: 0, UseCache: false));
        return (cachedSeconds, watch.Elapsed.TotalSeconds, cached.SequenceEqual(full));
    }

    /// <summary>Training tokens/s of the shakespeare-char-cpu shape (4 × 4 × 128, context 64, batch 12), AdamW steps.</summary>
    public static double TrainingTokensPerSecond(int threads, int steps = 40)
    {
        TorchRuntime.ConfigureThreads(threads);
        TorchRuntime.Seed(0);
        var model = new Gpt(new GptConfig(4, 4, 128, 64, 65, Bias: false));
        var optimizer = optim.AdamW(model.parameters(), 1e-3);
        using Tensor x = randint(0, 65, new long[] { 12, 64 }), y = randint(0, 65, new long[] { 12, 64 });
        double seconds = Timing.MedianSeconds(() =>
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            model.Loss(x, y).backward();
            optimizer.step();
        }, warmup: 5, repeats: steps);
        return 12 * 64 / seconds;
    }
}
