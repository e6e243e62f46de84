using System.CommandLine;
using TransformerSharp.Training;

namespace TransformerSharp.Cli.Commands;

/// <summary>
/// The options that override a preset's training settings (--iterations, --batch-size, --lr, --relative-step, --bf16,
/// --keep-checkpoints, --label-smoothing), applied and checked in one place.
/// </summary>
public sealed class TrainingOverrides
{
    readonly Option<int?> iterations = new("--iterations") { Description = "optimiser steps (overrides the preset)" };
    readonly Option<int?> batchSize = new("--batch-size") { Description = "examples per step (overrides the preset)" };
    readonly Option<double?> learningRate = new("--lr") { Description = "peak learning rate (overrides the preset)" };
    readonly Option<bool?> bf16 = new("--bf16") { Description = "true: matrix products in bfloat16, the rest in float32 (faster only on CPUs with AVX-512 BF16 or AMX, and there for batches of one shape, as pretraining's: see the README)" };
    readonly Option<int?> keepCheckpoints = new("--keep-checkpoints") { Description = "also keep the models of the last N evaluations and write their mean (averaged.ckpt)" };
    readonly Option<double?> labelSmoothing = new("--label-smoothing") { Description = "spread this share of each target's probability over the vocabulary in the training loss (0: off; validation loss unsmoothed)" };
    readonly Option<bool?> relativeStep = new("--relative-step") { Description = "true: scale each parameter's step by its root-mean-square, as Adafactor (T5) does" };

    public void AddTo(Command command)
    {
        command.Options.Add(iterations);
        command.Options.Add(batchSize);
        command.Options.Add(learningRate);
        command.Options.Add(relativeStep);
        command.Options.Add(bf16);
        command.Options.Add(keepCheckpoints);
        command.Options.Add(labelSmoothing);
    }

    /// <summary>The settings with the options given; refused, naming the option, when no run could use them.</summary>
    public TrainingSettings Apply(ParseResult parse, TrainingSettings settings)
    {
        var result = settings with
        {
            Iterations = parse.GetValue(iterations) ?? settings.Iterations,
            BatchSize = parse.GetValue(batchSize) ?? settings.BatchSize,
            LearningRate = parse.GetValue(learningRate) ?? settings.LearningRate,
            RelativeStep = parse.GetValue(relativeStep) ?? settings.RelativeStep,
            Bf16 = parse.GetValue(bf16) ?? settings.Bf16,
            KeepCheckpoints = parse.GetValue(keepCheckpoints) ?? settings.KeepCheckpoints,
            LabelSmoothing = parse.GetValue(labelSmoothing) ?? settings.LabelSmoothing,
        };
        result.Validate();
        return result;
    }
}
