namespace TransformerSharp.Training;

/// <summary>Linear warmup to the peak, then cosine decay to a floor at <c>DecaySteps</c>, then the floor (nanoGPT's schedule).</summary>
public sealed record LearningRateSchedule(double Peak, double Floor, int WarmupSteps, int DecaySteps)
{
    public static LearningRateSchedule Constant(double rate) => new(rate, rate, 0, 0);

    /// <param name="step">0-based optimiser step.</param>
    public double At(long step)
    {
        if (step < WarmupSteps) return Peak * (step + 1) / WarmupSteps;
        if (step >= DecaySteps) return Floor;
        double progress = (double)(step - WarmupSteps) / Math.Max(1, DecaySteps - WarmupSteps);
        return Floor + 0.5 * (1 + Math.Cos(Math.PI * progress)) * (Peak - Floor);
    }
}
