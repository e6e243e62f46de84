namespace TransformerSharp.Training;

/// <summary>
/// The order of a data set's items in each epoch: a shuffle drawn from (seed, epoch) alone, so a resumed run sees the
/// same batches; kept for the epoch rather than redrawn at every step.
/// </summary>
public sealed class EpochShuffle(int count, long seed)
{
    (long epoch, int[] order)? current;

    public int[] Order(long epoch)
    {
        if (current is { } c && c.epoch == epoch) return c.order;
        var random = Trainer.StepRandom(seed, epoch);
        int[] order = Enumerable.Range(0, count).OrderBy(_ => random.Next()).ToArray();
        current = (epoch, order);
        return order;
    }
}
