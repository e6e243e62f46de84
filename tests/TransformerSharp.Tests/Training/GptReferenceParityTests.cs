using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using TorchSharp;
using TransformerSharp.Models.Bert;
using TransformerSharp.Models.Gpt;
using TransformerSharp.Models.Translator;
using TransformerSharp.Text;
using TransformerSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Training;

/// <summary>
/// Our GPT training held against PyTorch (bench/reference/gpt_reference.py): the same initial weights and the same
/// windows, then every step's loss and the final weights must agree — model, loss, gradients, clipping, AdamW groups,
/// betas, bias correction and the warmup + cosine schedule all at once.
/// </summary>
public class GptReferenceParityTests
{
    const int Steps = 40, Warmup = 10, Layers = 2, Heads = 2, Width = 32, Context = 16, Batch = 4;

    /// <summary>Serves the windows PyTorch drew, step by step.</summary>
    sealed class ReplayTask(Gpt model, TokenCorpus corpus, long[] starts) : ITrainingTask
    {
        public string Kind => "gpt";
        public nn.Module Model => model;
        public long TokensPerBatch => Batch * Context;
        public Tensor TrainingLoss(long step, int micro)
        {
            var (x, y) = corpus.Windows("train", starts[(int)(step * Batch)..(int)((step + 1) * Batch)], Context);
            return model.Loss(x, y);
        }
        public double EvaluationLoss(string split, CancellationToken cancel) => double.NaN;
        public JsonObject Describe() => new();
    }

    static void Load(Gpt model, string folder)
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            float[] values = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(folder, name + ".bin"))).ToArray();
            Assert.Equal(parameter.numel(), values.Length);
            parameter.copy_(tensor(values).reshape(parameter.shape));
        }
    }

    [SkippableFact]
    public void TrainingMatchesPyTorchStepForStep()
    {
        string python = TestSupport.PythonWith("torch", "python3-torch", "GPT_REFERENCE_PYTHON");
        string dir = TestSupport.TempFolder(), textPath = Path.Combine(dir, "text.txt"), export = Path.Combine(dir, "pytorch");
        var random = new Random(0);
        string[] words = "the quick brown fox jumps over a lazy dog while seven wizards hum; quiet, Jim!".Split(' ');
        string text = string.Join(' ', Enumerable.Range(0, 1500).Select(_ => words[random.Next(words.Length)]));
        File.WriteAllText(textPath, text);
        string script = Path.Combine(TestSupport.RepositoryRoot, "bench", "reference", "gpt_reference.py");
        var (exitCode, _, errors) = TestSupport.RunPython(python, script, textPath, "--seed", "3", "--steps", $"{Steps}", "--warmup", $"{Warmup}",
            "--layers", $"{Layers}", "--heads", $"{Heads}", "--width", $"{Width}", "--context", $"{Context}", "--batch", $"{Batch}", "--export", export);
        Assert.True(exitCode == 0, $"gpt_reference.py failed: {errors}");

        var tokenizer = CharTokenizer.FromText(text);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(export, "manifest.json")))!;
        Assert.Equal(manifest["vocabulary"]!.GetValue<string>(), tokenizer.Describe()["characters"]!.GetValue<string>());
        TestSupport.Seed(99);      // a different initialisation, all of it overwritten by PyTorch's
        var model = new Gpt(new GptConfig(Layers, Heads, Width, Context, tokenizer.VocabSize, Bias: false));
        Assert.Equal(manifest["shapes"]!.AsObject().Select(p => p.Key).Order(), model.named_parameters().Select(p => p.name).Order());
        Load(model, Path.Combine(export, "init"));
        long[] starts = MemoryMarshal.Cast<byte, long>(File.ReadAllBytes(Path.Combine(export, "starts.bin"))).ToArray();
        Assert.Equal(Steps * Batch, starts.Length);

        var options = new TrainerOptions(Steps, new LearningRateSchedule(1e-3, 1e-4, Warmup, Steps), Seed: 3, WeightDecay: 0.1,
                                         Beta1: 0.9, Beta2: 0.99, ClipNorm: 1.0, EvalInterval: Steps + 1);
        var result = Trainer.Run(new ReplayTask(model, new TokenCorpus(tokenizer.Encode(text)), starts), options);

        double[] expected = File.ReadAllLines(Path.Combine(export, "losses.txt")).Select(double.Parse).ToArray();
        double lossGap = result.TrainLosses.Select((l, i) => Math.Abs(l.Loss - expected[i])).Max();
        Assert.True(lossGap < 1e-5, $"per-step losses differ from PyTorch's by up to {lossGap:E2}");
        Assert.True(expected[^1] < expected[0] - 0.3, "the reference run should have learned something");

        var final = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        Load(model, Path.Combine(export, "final"));
        double weightGap = model.named_parameters().Max(p => TestSupport.MaxAbsDiff(p.parameter, final[p.name]));
        Assert.True(weightGap < 1e-5, $"final weights differ from PyTorch's by up to {weightGap:E2}");
    }
}
