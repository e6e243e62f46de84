namespace TransformerSharp.Training;

public enum ScheduleKind { Constant, Cosine, InverseSquareRoot }

/// <summary>AdamW with decay on matrices only (every Transformer recipe), or plain SGD with optional momentum (D2L's ViT).</summary>
public enum OptimizerKind { AdamW, Sgd }

/// <summary>
/// The training half of a recipe, the same for every family: batch, length (optimiser steps, or epochs), learning-rate
/// schedule, optimiser, clipping, accumulation and evaluation. Presets write it with named arguments; CLI options
/// override it with `with`.
/// </summary>
/// <param name="Iterations">optimiser steps; 0 when <paramref name="Epochs"/> sets the length.</param>
/// <param name="MinLearningRate">the cosine schedule's floor.</param>
/// <param name="WarmupFraction">warmup as a share of all steps, added to <paramref name="Warmup"/>.</param>
/// <param name="EvalInterval">steps between evaluations and checkpoints; 0: once per epoch, or
/// <paramref name="Evaluations"/> times per run.</param>
/// <param name="RelativeStep">AdamW steps scaled by each parameter's root-mean-square, as Adafactor (T5) does.</param>
/// <param name="KeepCheckpoints">also keep the model of the last N evaluations (step-N.ckpt), for checkpoint averaging.</param>
/// <param name="Bf16">matrix products in bfloat16, the rest in float32 (<see cref="TransformerSharp.Torch.MatmulPrecision"/>).</param>
public sealed record TrainingSettings(
    int BatchSize, double LearningRate, int Iterations = 0, int Epochs = 0,
    ScheduleKind Schedule = ScheduleKind.Constant, double MinLearningRate = 0, int Warmup = 0, double WarmupFraction = 0,
    double WeightDecay = 0, double Beta1 = 0.9, double Beta2 = 0.999, double Clip = 1.0, int GradientAccumulation = 1,
    int EvalInterval = 0, int Evaluations = 0, int EvalBatches = 20, double LabelSmoothing = 0,
    OptimizerKind Optimizer = OptimizerKind.AdamW, double Momentum = 0, bool RelativeStep = false, int KeepCheckpoints = 0, bool Bf16 = false)
{
    /// <summary>Optimiser steps of the whole run, given how many steps make an epoch.</summary>
    public int TotalSteps(int stepsPerEpoch = 0) => Iterations > 0 ? Iterations : Epochs * stepsPerEpoch;

    public LearningRateSchedule ScheduleFor(int steps)
    {
        int warmup = Warmup + (int)(WarmupFraction * steps);
        return Schedule switch
        {
            ScheduleKind.Constant => LearningRateSchedule.Constant(LearningRate),
            ScheduleKind.Cosine => new LearningRateSchedule(LearningRate, MinLearningRate, warmup, steps),
            ScheduleKind.InverseSquareRoot => LearningRateSchedule.Noam(LearningRate, warmup),
            _ => throw new ArgumentOutOfRangeException(nameof(Schedule), Schedule, null),
        };
    }

    /// <summary>The trainer's options for a run of this recipe.</summary>
    public TrainerOptions ToTrainerOptions(long seed, string? outDir, int stepsPerEpoch = 0)
    {
        Validate();
        int steps = TotalSteps(stepsPerEpoch);
        int interval = EvalInterval > 0 ? EvalInterval : Evaluations > 0 ? Math.Max(1, steps / Evaluations) : Math.Max(1, stepsPerEpoch);
        return new TrainerOptions(steps, ScheduleFor(steps), seed, WeightDecay, Beta1, Beta2, Clip, GradientAccumulation, interval, outDir,
                                  Optimizer, Momentum, RelativeStep, KeepCheckpoints, Bf16);
    }

    /// <summary>Refuses values no run can use, naming the setting (the CLI's option of the same name).</summary>
    public void Validate()
    {
        static void Check(bool ok, string message) { if (!ok) throw new UserError(message); }
        Check(BatchSize >= 1, $"--batch-size must be at least 1, got {BatchSize}");
        Check(Iterations >= 1 || Epochs >= 1, $"--iterations (or --epochs) must be at least 1, got {Math.Max(Iterations, Epochs)}");
        Check(double.IsFinite(LearningRate) && LearningRate > 0, $"--lr must be a positive number, got {LearningRate}");
        Check(double.IsFinite(MinLearningRate) && MinLearningRate >= 0, $"--min-lr must be 0 or more, got {MinLearningRate}");
        Check(Warmup >= 0, $"--warmup must be 0 or more, got {Warmup}");
        Check(double.IsFinite(WeightDecay) && WeightDecay >= 0, $"--weight-decay must be 0 or more, got {WeightDecay}");
        Check(double.IsFinite(Clip) && Clip >= 0, $"--clip must be 0 (off) or more, got {Clip}");
        Check(GradientAccumulation >= 1, $"--grad-accum must be at least 1, got {GradientAccumulation}");
        Check(EvalInterval >= 0, $"--eval-interval must be at least 1, got {EvalInterval}");
        Check(EvalBatches >= 1, $"--eval-batches must be at least 1, got {EvalBatches}");
        Check(LabelSmoothing is >= 0 and < 1, $"--label-smoothing must be in [0, 1), got {LabelSmoothing}");
        Check(Momentum is >= 0 and < 1, $"--momentum must be in [0, 1), got {Momentum}");
        Check(KeepCheckpoints >= 0, $"--keep-checkpoints must be 0 (none) or more, got {KeepCheckpoints}");
    }
}

/// <summary>A named, complete recipe of one family: what `--preset NAME` means, listed by the `presets` command.</summary>
public sealed record Preset<TRecipe>(string Name, string Description, TRecipe Recipe);

public static class Presets
{
    /// <summary>The preset of that name, or an error listing the family's presets.</summary>
    public static TRecipe Find<TRecipe>(IReadOnlyList<Preset<TRecipe>> presets, string name, string family) =>
        (presets.FirstOrDefault(p => p.Name == name) ?? throw new UserError($"unknown {family} preset '{name}': use {string.Join(", ", presets.Select(p => p.Name))}")).Recipe;
}
