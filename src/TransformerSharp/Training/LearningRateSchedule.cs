namespace TransformerSharp.Training;

/// <summary>
/// Linear warmup to the peak, then cosine decay to a floor at <c>DecaySteps</c>, then the floor (nanoGPT's schedule);
/// or, with InverseSquareRoot, warmup then peak · √(warmup / step) — the Transformer paper's (Noam) shape.
/// </summary>
public sealed record LearningRateSchedule(double Peak, double Floor, int WarmupSteps, int DecaySteps, bool InverseSquareRoot = false)
{
    public static LearningRateSchedule Constant(double rate) => new(rate, rate, 0, 0);
    public static LearningRateSchedule Noam(double peak, int warmup) => new(peak, 0, warmup, 0, InverseSquareRoot: true);

    /// <param name="step">0-based optimiser step.</param>
    public double At(long step)
    {
        if (step < WarmupSteps) return Peak * (step + 1) / WarmupSteps;
        if (InverseSquareRoot) return Peak * Math.Sqrt((double)Math.Max(1, WarmupSteps) / (step + 1));
        if (step >= DecaySteps) return Floor;
        double progress = (double)(step - WarmupSteps) / Math.Max(1, DecaySteps - WarmupSteps);
        return Floor + 0.5 * (1 + Math.Cos(Math.PI * progress)) * (Peak - Floor);
    }
}
