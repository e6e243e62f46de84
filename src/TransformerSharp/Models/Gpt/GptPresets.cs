using TransformerSharp.Text;
using TransformerSharp.Training;

namespace TransformerSharp.Models.Gpt;

/// <summary>A GPT recipe: the model (its vocabulary size comes from the tokenizer), the training, and the tokenizer kind.</summary>
public sealed record GptRecipe(GptConfig Model, TrainingSettings Training, string Tokenizer = "char");

public static class GptPresets
{
    /// <summary>nanoGPT's CPU recipe for Tiny Shakespeare, character level; no biases, as its train.py.</summary>
    public static readonly GptRecipe ShakespeareCharCpu = new(
        new GptConfig(Layers: 4, Heads: 4, Width: 128, MaxPositions: 64, VocabSize: 0, Dropout: 0.0, Bias: false),
        new TrainingSettings(BatchSize: 12, LearningRate: 1e-3, Iterations: 2000, Schedule: ScheduleKind.Cosine, MinLearningRate: 1e-4,
                             Warmup: 100, WeightDecay: 0.1, Beta1: 0.9, Beta2: 0.99, Clip: 1.0, EvalInterval: 250, EvalBatches: 20));

    /// <summary>
    /// The few-shot substitution task's small GPT: one token per demonstration, embeddings initialised with std 0.3
    /// (with GPT-2's 0.02 the recall task stays at chance; see the README).
    /// </summary>
    public static readonly GptRecipe FewShotSubstitution = new(
        new GptConfig(Layers: 2, Heads: 4, Width: 64, MaxPositions: 64, VocabSize: SubstitutionTokenizer.Size, EmbeddingStd: 0.3),
        new TrainingSettings(BatchSize: 32, LearningRate: 2e-3, Iterations: 1000, Schedule: ScheduleKind.Cosine, MinLearningRate: 2e-4,
                             Warmup: 100, WeightDecay: 0.1, Beta1: 0.9, Beta2: 0.99, Clip: 1.0, Evaluations: 4),
        Tokenizer: "substitution");

    public static readonly IReadOnlyList<Preset<GptRecipe>> All = new[]
    {
        new Preset<GptRecipe>("shakespeare-char-cpu", "nanoGPT's CPU recipe for Tiny Shakespeare at character level (gpt train)", ShakespeareCharCpu),
        new Preset<GptRecipe>("fewshot-substitution", "a small GPT that learns letter substitutions from its prompt (gpt fewshot)", FewShotSubstitution),
    };

    public static GptRecipe Find(string name) => Presets.Find(All, name, "gpt");
}
