using TransformerSharp.Training;

namespace TransformerSharp.Models.Bert;

/// <summary>A BERT pretraining recipe (D2L 15.9–15.10): the model (vocabulary size from the data), training, max length.</summary>
public sealed record BertPretrainingRecipe(BertConfig Model, TrainingSettings Training, int MaxLength = 64);

/// <summary>An NLI fine-tuning recipe: where the encoder comes from ("minilm", "d2l-small"), training, max pair length.</summary>
public sealed record NliRecipe(string Init, TrainingSettings Training, int MaxLength);

public static class BertPresets
{
    /// <summary>D2L 15.10: 2 blocks, 128 wide, 2 heads, FFN 256, dropout 0.2, batch 512, Adam lr 0.01, 50 steps.</summary>
    public static readonly BertPretrainingRecipe D2LSmall = new(
        BertConfig.D2LSmall(vocabSize: 0),
        // Every 10 steps (not "5 evaluations"): a shorter --steps run then evaluates and writes its two 68 MB checkpoints once.
        new TrainingSettings(BatchSize: 512, LearningRate: 0.01, Iterations: 50, EvalInterval: 10));

    /// <summary>A longer run for a stronger model: 4 blocks, 256 wide, 4 heads, FFN 512, 2,000 steps with warmup and cosine decay.</summary>
    public static readonly BertPretrainingRecipe BaseLong = new(
        BertConfig.D2LSmall(vocabSize: 0) with { Width = 256, Layers = 4, Heads = 4, FfnWidth = 512, Dropout = 0.1 },
        new TrainingSettings(BatchSize: 128, LearningRate: 1e-3, Iterations: 2000, Schedule: ScheduleKind.Cosine, MinLearningRate: 1e-4,
                             Warmup: 100, Evaluations: 5));

    public static readonly NliRecipe NliMiniLM = new("minilm",
        new TrainingSettings(BatchSize: 32, LearningRate: 5e-5, Epochs: 2, Schedule: ScheduleKind.Cosine, WarmupFraction: 0.1, WeightDecay: 0.01),
        MaxLength: 128);

    public static readonly NliRecipe NliD2LSmall = new("d2l-small",
        new TrainingSettings(BatchSize: 64, LearningRate: 1e-4, Epochs: 5, Schedule: ScheduleKind.Cosine, WarmupFraction: 0.1, WeightDecay: 0.01),
        MaxLength: 64);

    public static readonly IReadOnlyList<Preset<BertPretrainingRecipe>> Pretraining = new[]
    {
        new Preset<BertPretrainingRecipe>("d2l-small", "D2L 15.10's small BERT on WikiText-2, MLM + NSP (bert pretrain)", D2LSmall),
        new Preset<BertPretrainingRecipe>("base-long", "a larger BERT trained 40× longer (bert pretrain)", BaseLong),
    };

    public static readonly IReadOnlyList<Preset<NliRecipe>> Nli = new[]
    {
        new Preset<NliRecipe>("nli-minilm", "fine-tune all-MiniLM-L6-v2 on SNLI (bert finetune-nli --init minilm)", NliMiniLM),
        new Preset<NliRecipe>("nli-d2l-small", "fine-tune D2L's small BERT on SNLI (bert finetune-nli --init d2l-small or CKPT)", NliD2LSmall),
    };
}
