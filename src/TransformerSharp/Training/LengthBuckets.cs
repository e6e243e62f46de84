namespace TransformerSharp.Training;

/// <summary>
/// One epoch's batches of a data set's items: shuffled; with a length key, sorted by it within pools of 50 batches so
/// that a batch holds similar lengths (little padding), and the batches then shuffled again. The random source comes
/// from (seed, epoch), so a resumed run sees the same batches.
/// </summary>
public static class LengthBuckets
{
    public static List<int[]> Epoch(IEnumerable<int> items, int batchSize, Random random, Func<int, (int, int)>? length = null)
    {
        int[] order = items.OrderBy(_ => random.Next()).ToArray();
        if (length is null) return order.Chunk(batchSize).ToList();
        order = order.Chunk(batchSize * 50).SelectMany(pool => pool.OrderBy(length)).ToArray();
        return order.Chunk(batchSize).OrderBy(_ => random.Next()).ToList();
    }
}
