using Spectre.Console;
using TransformerSharp.Checkpoints;
using TransformerSharp.Plots;
using TransformerSharp.Training;

namespace TransformerSharp.Cli.Commands;

/// <summary>
/// Runs a training entry point under a Spectre progress bar (loss, tokens/s, ETA), prints its lines and evaluations,
/// writes the loss PNG, and stops at the context's interrupt (Ctrl+C in a verb guarded as interruptible) with a saved, resumable state. The run holds its output folder meanwhile
/// (<see cref="RunFolder"/>): a second run into it stops at once.
/// </summary>
public static class TrainingView
{
    /// <param name="describe">how an evaluation is printed; default: step, losses and any other figures.</param>
    /// <param name="outDir">the run's folder, held while it trains; null: nothing is written.</param>
    public static T Run<T>(CliContext context, string? outDir, Func<TrainingObserver, T> train, Func<Training.Evaluation, string>? describe = null)
    {
        using var folder = outDir is null ? null : RunFolder.Acquire(outDir, note => context.Console.MarkupLineInterpolated($"[yellow]{note}[/]"));
        T outcome = default!;
        context.Console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(progress =>
            {
                ProgressTask? bar = null;
                string title = "";
                outcome = train(new TrainingObserver
                {
                    Info = line => context.Console.MarkupLineInterpolated($"{line}"),
                    Warning = line => context.Console.MarkupLineInterpolated($"[yellow]{line}[/]"),
                    Started = (name, steps) => { title = name; bar = progress.AddTask(name, maxValue: steps); },
                    Step = p =>
                    {
                        bar!.Value = p.Step + 1;
                        bar.Description = $"{title} step {p.Step + 1}/{p.Iterations} loss {p.Loss:F4} lr {p.LearningRate:E2} {p.TokensPerSecond:N0} {p.Unit}/s";
                    },
                    Evaluated = e => context.Console.MarkupLineInterpolated($"{(describe ?? Describe)(e)}"),
                    Finished = (name, result, options) => Finish(context, name, result, options),
                    Cancel = context.Interrupt,
                });
            });
        return outcome;
    }

    public static string Loss(double loss) => Training.Evaluation.Format(loss);

    public static string Describe(Training.Evaluation e) =>
        $"step {e.Step}: train loss {e.TrainLoss:F4}, val loss {Loss(e.ValidLoss)}" +
        string.Concat((e.Metrics ?? new Dictionary<string, double>()).Select(m => $", {m.Key.Replace('_', ' ')} {m.Value:F4}"));

    static void Finish(CliContext context, string title, TrainingResult result, TrainerOptions options)
    {
        if (result.Interrupted)
            context.Console.MarkupLineInterpolated($"[yellow]interrupted at step {result.NextStep}; resume with --resume {Path.Combine(options.OutDir ?? ".", "last.ckpt")}[/]");
        if (options.OutDir == null || result.TrainLosses.Count == 0) return;
        string plot = Path.Combine(options.OutDir, "loss.png");
        LinePlots.SaveLossCurve(plot, result.TrainLosses.Select(l => (double)l.Step + 1).ToList(), result.TrainLosses.Select(l => l.Loss).ToList(),
            result.Evaluations.Select(e => (double)e.Step).ToList(), result.Evaluations.Select(e => e.ValidLoss).ToList(), xLabel: "step", title);
        // Only what exists: an interrupted run may have no best.ckpt yet.
        var checkpoints = new[] { "best.ckpt", "last.ckpt" }.Select(f => Path.Combine(options.OutDir, f)).Where(File.Exists).ToList();
        context.Console.MarkupLineInterpolated($"loss curve: {plot}; checkpoints: {string.Join(", ", checkpoints)}");
        var withMetrics = result.Evaluations.Where(e => e.Metrics is { Count: > 0 }).ToList();
        if (withMetrics.Count == 0) return;
        string metricsPlot = Path.Combine(options.OutDir, "metrics.png");
        var names = withMetrics.SelectMany(e => e.Metrics!.Keys).Distinct().ToList();
        LinePlots.Save(metricsPlot, names.Select(name => new Series(name.Replace('_', ' '),
                withMetrics.Where(e => e.Metrics!.ContainsKey(name)).Select(e => (double)e.Step).ToList(),
                withMetrics.Where(e => e.Metrics!.ContainsKey(name)).Select(e => e.Metrics![name]).ToList(), Markers: withMetrics.Count < 3)),
            $"{title}: accuracy", xLabel: "step", yLabel: "accuracy");
        context.Console.MarkupLineInterpolated($"accuracy curve: {metricsPlot}");
    }
}
