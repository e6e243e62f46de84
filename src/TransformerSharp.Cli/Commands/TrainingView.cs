using Spectre.Console;
using TransformerSharp.Plots;
using TransformerSharp.Training;

namespace TransformerSharp.Cli.Commands;

/// <summary>Runs the trainer under a Spectre progress bar (loss, tokens/s, ETA), prints evaluations, writes the loss PNG.</summary>
public static class TrainingView
{
    public static TrainingResult Run(CliContext context, ITrainingTask task, TrainerOptions options, string? resume, string title)
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        TrainingResult? result = null;
        try
        {
            context.Console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(progress =>
                {
                    var bar = progress.AddTask(title, maxValue: options.Iterations);
                    result = Trainer.Run(task, options, resume,
                        onStep: p =>
                        {
                            bar.Value = p.Step + 1;
                            bar.Description = $"{title} step {p.Step + 1}/{p.Iterations} loss {p.Loss:F4} lr {p.LearningRate:E2} {p.TokensPerSecond:N0} tok/s";
                        },
                        onEvaluation: e => context.Console.MarkupLineInterpolated(
                            $"step {e.Step}: train loss {e.TrainLoss:F4}, val loss {e.ValidLoss:F4}"),
                        cancel: cancel.Token);
                });
        }
        finally { Console.CancelKeyPress -= onCancel; }

        if (result!.Interrupted)
            context.Console.MarkupLineInterpolated($"[yellow]interrupted at step {result.NextStep}; resume with --resume {Path.Combine(options.OutDir ?? ".", "last.ckpt")}[/]");
        if (options.OutDir != null && result.TrainLosses.Count > 0)
        {
            string plot = Path.Combine(options.OutDir, "loss.png");
            LinePlots.SaveLossCurve(plot, result.TrainLosses.Select(l => (double)l.Step + 1).ToList(), result.TrainLosses.Select(l => l.Loss).ToList(),
                result.Evaluations.Select(e => (double)e.Step).ToList(), result.Evaluations.Select(e => e.ValidLoss).ToList(), xLabel: "step", title);
            context.Console.MarkupLineInterpolated($"loss curve: {plot}; checkpoints: {Path.Combine(options.OutDir, "best.ckpt")}, last.ckpt");
        }
        return result;
    }
}
