using TransformerSharp.Training;

namespace TransformerSharp.Models.Translator;

/// <summary>
/// A translator recipe: the architecture and its config (vocabulary sizes come from the data), the training, and the
/// data recipe (<see cref="TranslationDataSettings"/>).
/// </summary>
public sealed record TranslatorRecipe(string Architecture, TransformerConfig? Transformer, BahdanauConfig? Bahdanau,
                                      TrainingSettings Training, TranslationDataSettings Data);

public static class TranslatorPresets
{
    /// <summary>D2L 11.7: 256 wide, 2 blocks, 4 heads, FFN 64, dropout 0.2; Adam lr 0.001, batch 128, 30 epochs, clip 1.</summary>
    public static readonly TranslatorRecipe D2L = new(TranslatorArchitecture.Transformer,
        new TransformerConfig(0, 0, Width: 256, Layers: 2, Heads: 4, FfnWidth: 64, Dropout: 0.2), null,
        new TrainingSettings(BatchSize: 128, LearningRate: 0.001, Epochs: 30, Clip: 1.0),
        new TranslationDataSettings(TranslationDataSettings.D2LSplit, NumSteps: 9));

    /// <summary>D2L 11.4: embedding 256, hidden 256, 2 GRU layers, dropout 0.2; Adam lr 0.005.</summary>
    public static readonly TranslatorRecipe D2LBahdanau = D2L with
    {
        Architecture = TranslatorArchitecture.Bahdanau, Transformer = null,
        Bahdanau = new BahdanauConfig(0, 0, EmbeddingWidth: 256, Width: 256, Layers: 2, Dropout: 0.2),
        Training = D2L.Training with { LearningRate = 0.005 },
    };

    /// <summary>Every pair, held-out test split, length-bucketed batches of 256, 8 epochs.</summary>
    public static readonly TranslatorRecipe Full = D2L with
    {
        Training = D2L.Training with { BatchSize = 256, Epochs = 8 },
        Data = new TranslationDataSettings(TranslationDataSettings.FullSplit, NumSteps: 0, MinFreq: 5, BucketByLength: true),
    };

    /// <summary>
    /// Every pair in about an hour on 2 cores, with what NMT toolkits use: a wider feed-forward layer, shared BPE
    /// subwords and embeddings, case kept, label smoothing, warmup with inverse-square-root decay, and the mean of the last
    /// five evaluations' models (averaged.ckpt). 2,400 steps: under four epochs, under an hour on the 2-core VM.
    /// </summary>
    public static readonly TranslatorRecipe FullHour = Full with
    {
        Transformer = new TransformerConfig(0, 0, Width: 256, Layers: 3, Heads: 4, FfnWidth: 1024, Dropout: 0.1, ShareEmbeddings: true),
        Training = new TrainingSettings(BatchSize: 256, LearningRate: 1.5e-3, Iterations: 2400, Schedule: ScheduleKind.InverseSquareRoot, Warmup: 500,
                                        Clip: 1.0, EvalInterval: 150, LabelSmoothing: 0.1, KeepCheckpoints: 5),
        Data = Full.Data with { SubwordMerges = 8000, LowerCase = false },
    };

    public static readonly TranslatorRecipe FullBahdanau = D2LBahdanau with { Training = D2LBahdanau.Training with { BatchSize = 256, Epochs = 8 }, Data = Full.Data };

    public static readonly IReadOnlyList<Preset<TranslatorRecipe>> All = new[]
    {
        new Preset<TranslatorRecipe>("d2l", "D2L 11.7's Transformer on the book's 512 training pairs (translate train)", D2L),
        new Preset<TranslatorRecipe>("d2l-bahdanau", "D2L 11.4's Bahdanau attention, same data (translate train --model bahdanau)", D2LBahdanau),
        new Preset<TranslatorRecipe>("full", "the Transformer on every pair, BLEU on a held-out test split (translate train --preset full)", Full),
        new Preset<TranslatorRecipe>("full-hour", "the Transformer on every pair in about an hour, NMT-style (translate train --preset full-hour)", FullHour),
        new Preset<TranslatorRecipe>("full-bahdanau", "Bahdanau attention on every pair (--preset full --model bahdanau)", FullBahdanau),
    };

    /// <summary>The preset for a data recipe name and an architecture: "d2l" + "bahdanau" is "d2l-bahdanau".</summary>
    public static TranslatorRecipe Find(string name, string architecture) =>
        Presets.Find(All, architecture == TranslatorArchitecture.Transformer ? name : $"{name}-{architecture}", "translate");
}
