namespace TransformerSharp.Evaluation;

/// <summary>
/// How two systems' mean scores on the same examples compare, with the difference's 95 % interval and the share of
/// resamples in which the first system is ahead.
/// </summary>
public sealed record BootstrapComparison(double MeanA, double MeanB, double Difference, double Low, double High, double ShareAhead, int Resamples);

/// <summary>
/// Paired bootstrap resampling (Koehn 2004): draw the examples with replacement, the same draw for both systems, and
/// look at the spread of the difference of their means. It measures how much the test set's choice of examples could
/// move a comparison, not how much another training seed would.
/// </summary>
public static class PairedBootstrap
{
    public static BootstrapComparison Compare(IReadOnlyList<double> a, IReadOnlyList<double> b, int resamples = 1000, int seed = 0)
    {
        if (a.Count != b.Count) throw new ArgumentException($"{a.Count} scores against {b.Count}: the systems must score the same examples");
        if (a.Count == 0) throw new ArgumentException("no examples to compare");
        if (resamples < 1) throw new ArgumentOutOfRangeException(nameof(resamples), resamples, "at least one resample");
        int n = a.Count;
        var random = new Random(seed);
        var differences = new double[resamples];
        int ahead = 0;
        for (int r = 0; r < resamples; r++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                int k = random.Next(n);
                sum += a[k] - b[k];
            }
            differences[r] = sum / n;
            if (differences[r] > 0) ahead++;
        }
        Array.Sort(differences);
        double meanA = a.Average(), meanB = b.Average();
        return new BootstrapComparison(meanA, meanB, meanA - meanB, Quantile(differences, 0.025), Quantile(differences, 0.975),
                                       ahead / (double)resamples, resamples);
    }

    /// <summary>The q-quantile of sorted values, the nearest rank below (so that the 2.5 % and 97.5 % bounds hold 95 % between them).</summary>
    static double Quantile(double[] sorted, double q) => sorted[Math.Clamp((int)Math.Floor(q * (sorted.Length - 1)), 0, sorted.Length - 1)];
}
