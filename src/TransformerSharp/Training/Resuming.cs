using TransformerSharp.Checkpoints;

namespace TransformerSharp.Training;

/// <summary>What every family's training entry point checks when it continues from a checkpoint.</summary>
public static class Resuming
{
    /// <summary>
    /// The seed the checkpoint was trained with: batches and dropout follow it, so resuming with another one would not
    /// continue the same run. A different --seed is overridden with a warning.
    /// </summary>
    public static long Seed(CheckpointHeader header, long seed, TrainingObserver observer)
    {
        long saved = header.Training?["seed"]?.GetValue<long>() ?? seed;
        if (saved != seed) observer.Warning($"resuming with the checkpoint's seed {saved}, not {seed}");
        return saved;
    }

    /// <summary>Where the run that wrote the checkpoint stopped: (next step, its total), or null when it does not say.</summary>
    public static (long next, long total)? Progress(CheckpointHeader header) =>
        header.Training is { } t && t["iterations"] is { } total ? (t["next_step"]!.GetValue<long>(), total.GetValue<long>()) : null;
}
