using TransformerSharp.Torch;

namespace TransformerSharp.Training;

/// <summary>What a training entry point tells its caller as it goes; the CLI turns it into a progress bar and lines.</summary>
public sealed class TrainingObserver
{
    /// <summary>A line worth showing: data sizes, model size, final figures.</summary>
    public Action<string> Info { get; init; } = _ => { };
    public Action<string> Warning { get; init; } = _ => { };
    /// <summary>Training starts: a title and the number of optimiser steps.</summary>
    public Action<string, int> Started { get; init; } = (_, _) => { };
    public Action<TrainingProgress>? Step { get; init; }
    public Action<Evaluation>? Evaluated { get; init; }
    /// <summary>Training ended (or was interrupted): the title, the result and the options it ran with.</summary>
    public Action<string, TrainingResult, TrainerOptions> Finished { get; init; } = (_, _, _) => { };
    public CancellationToken Cancel { get; init; }

    public static TrainingObserver Silent { get; } = new();

    /// <summary>Runs the trainer with these callbacks.</summary>
    public TrainingResult Run(string title, ITrainingTask task, TrainerOptions options, string? resume = null)
    {
        if (options.Bf16 && !MatmulPrecision.CpuHasNativeBf16)
            Warning("--bf16: this CPU has neither AVX-512 BF16 nor AMX, so its bf16 products are emulated and slower than float32; --bf16 false is faster here");
        else if (options.Bf16 && MatmulPrecision.CpuHasAmx && OneDnnIsa.CappedHere)
            Warning($"--bf16: AMX is off ({OneDnnIsa.Variable}={OneDnnIsa.Cap}, TransformerSharp's default), and without it bf16 products " +
                    $"ran slower than float32 on the CPU we measured; {OneDnnIsa.Variable}=ALL turns AMX on, but then a " +
                    "NullReferenceException kills the process instead of being reported (README, \"AMX and .NET's signal stack\")");
        Started(title, options.Iterations);
        var result = Trainer.Run(task, options, resume, Step, Evaluated, Cancel);
        Finished(title, result, options);
        return result;
    }
}
