using TransformerSharp.Training;

namespace TransformerSharp.Models.T5;

/// <summary>What no_repeat_ngram_size counts: tokens (Hugging Face) or whole words (<see cref="Generation.NoRepeatNgram"/>).</summary>
public enum NgramUnit { Token, Word }

/// <summary>
/// How summaries are decoded: beam size (1: greedy), GNMT length penalty, Hugging Face's no_repeat_ngram_size and
/// what its n-grams count, maximum length, Hugging Face's repetition_penalty and encoder_repetition_penalty (1: off;
/// see <see cref="Generation.TokenRules"/>).
/// </summary>
public sealed record T5Decoding(int Beam = 4, double LengthPenalty = 0.6, int NoRepeatNgramSize = 3, int MaxLength = 64, NgramUnit NoRepeatUnit = NgramUnit.Token,
                                double RepetitionPenalty = 1.0, double EncoderRepetitionPenalty = 1.0)
{
    public void Validate()
    {
        if (Beam < 1) throw new UserError($"--beam must be at least 1, got {Beam}");
        if (MaxLength < 1) throw new UserError($"--max-length must be at least 1, got {MaxLength}");
        if (NoRepeatNgramSize < 0) throw new UserError($"--no-repeat-ngram must be 0 (off) or more, got {NoRepeatNgramSize}");
        if (!double.IsFinite(LengthPenalty) || LengthPenalty < 0) throw new UserError($"--length-penalty must be 0 or more, got {LengthPenalty}");
        if (!double.IsFinite(RepetitionPenalty) || RepetitionPenalty <= 0) throw new UserError($"--repetition-penalty must be above 0 (1: off), got {RepetitionPenalty}");
        if (!double.IsFinite(EncoderRepetitionPenalty) || EncoderRepetitionPenalty <= 0)
            throw new UserError($"--encoder-repetition-penalty must be above 0 (1: off), got {EncoderRepetitionPenalty}");
    }
}

/// <summary>
/// A T5 recipe: the model (vocab_size comes from the tokenizer), BPE merges, span-corruption pretraining (inputs of
/// InputLength tokens), fine-tuning to summarize (sources and targets cut at their lengths) and decoding.
/// FinetuningDropout: the dropout_rate fine-tuning sets, also on a pretrained checkpoint (null: the model's).
/// </summary>
public sealed record T5Recipe(T5Config Model, int Merges, TrainingSettings Pretraining, int InputLength, TrainingSettings Finetuning,
                              int MaxSourceLength, int MaxTargetLength, T5Decoding Decoding, double? FinetuningDropout = null);

public static class T5Presets
{
    /// <summary>
    /// Pretraining then fine-tuning on DialogSum within an hour on two CPU cores, also at the slowest step time measured
    /// on the report's VM (the README's report). AdamW with Adafactor's relative steps: T5's initialisation puts its
    /// tensors at scales 100× apart. No dropout in pretraining (in two passes it slows learning and costs a quarter of
    /// each step); 0.1 in fine-tuning, whose epochs overfit without it. Decoding chosen on the dev split.
    /// </summary>
    public static readonly T5Recipe DialogSumCpu = new(
        new T5Config(VocabSize: 0, DModel: 256, DKv: 32, DFf: 768, NumLayers: 3, NumHeads: 8, DropoutRate: 0.0),
        Merges: 8000,
        new TrainingSettings(BatchSize: 32, LearningRate: 2e-2, Iterations: 1700, Schedule: ScheduleKind.Cosine, MinLearningRate: 1e-3,
                             Warmup: 100, WeightDecay: 0.01, Beta2: 0.98, Clip: 1.0, Evaluations: 4, EvalBatches: 10, RelativeStep: true),
        InputLength: 128,
        new TrainingSettings(BatchSize: 16, LearningRate: 3e-2, Iterations: 2600, Schedule: ScheduleKind.Cosine, MinLearningRate: 1e-3,
                             Warmup: 100, WeightDecay: 0.01, Beta2: 0.98, Clip: 1.0, Evaluations: 8, EvalBatches: 16, RelativeStep: true),
        // Greedy: on the dev split, beam 4 wrote shorter, more generic summaries at every length penalty tried; words of
        // the dialogue favoured (encoder_repetition_penalty) and no word 2-gram twice scored best there (README).
        MaxSourceLength: 384, MaxTargetLength: 64,
        new T5Decoding(Beam: 1, LengthPenalty: 0.6, NoRepeatNgramSize: 2, MaxLength: 64, NoRepeatUnit: NgramUnit.Word, EncoderRepetitionPenalty: 1.2),
        FinetuningDropout: 0.1);

    /// <summary>A model small enough for tests: seconds per stage.</summary>
    public static readonly T5Recipe Tiny = new(
        new T5Config(VocabSize: 0, DModel: 32, DKv: 8, DFf: 64, NumLayers: 1, NumHeads: 4, RelativeAttentionNumBuckets: 8,
                     RelativeAttentionMaxDistance: 16, DropoutRate: 0.0),
        Merges: 200,
        new TrainingSettings(BatchSize: 4, LearningRate: 3e-3, Iterations: 20, Warmup: 2, Evaluations: 2, EvalBatches: 2),
        InputLength: 32,
        new TrainingSettings(BatchSize: 4, LearningRate: 3e-3, Iterations: 20, Warmup: 2, Evaluations: 2, EvalBatches: 2),
        MaxSourceLength: 64, MaxTargetLength: 16, new T5Decoding(Beam: 2, MaxLength: 16));

    public static readonly IReadOnlyList<Preset<T5Recipe>> All = new[]
    {
        new Preset<T5Recipe>("dialogsum-cpu", "T5 pretrained by span corruption on WikiText-2 and DialogSum dialogues, then fine-tuned to summarize (t5 pretrain, t5 finetune)", DialogSumCpu),
        new Preset<T5Recipe>("tiny", "a tiny T5 for tests and quick looks", Tiny),
    };

    public static T5Recipe Find(string name) => Presets.Find(All, name, "t5");
}
