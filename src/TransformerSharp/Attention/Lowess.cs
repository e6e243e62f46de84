namespace TransformerSharp.Attention;

/// <summary>
/// What to do when the median absolute residual is (near) zero, so residuals cannot be scaled by it. statsmodels
/// changed this between releases; both are offered so either can be matched.
/// </summary>
public enum LowessZeroMedian
{
    /// <summary>statsmodels 0.14 and later: if the median is at most 1e-7, stop iterating and keep the current fit.</summary>
    StopIterating,
    /// <summary>statsmodels 0.13 and earlier: if the median is exactly 0, points with any residual get weight 0.</summary>
    ZeroWeightOutliers,
}

/// <summary>The result of <see cref="Lowess.Fit"/>: the points sorted by x (ties keep input order) and the smoothed y.</summary>
public sealed record LowessResult(double[] X, double[] Y, double[] Fitted);

/// <summary>
/// LOWESS, Cleveland (1979): at each x a weighted straight-line fit over the nearest ⌊frac·n⌋ points with tricube
/// weights, then <c>it</c> robustifying passes that also weight each point by the bisquare of its residual over six
/// median absolute residuals. Points within <c>delta</c> of the last fit are linearly interpolated. Follows the
/// definition statsmodels.nonparametric.lowess implements, step for step, so results agree to rounding.
/// Attention pooling in disguise: each fitted value is a weighted average of the y's, weights from distances in x.
/// </summary>
public static class Lowess
{
    /// <summary>Sorts the points by x (stably) and smooths them.</summary>
    public static LowessResult Fit(IReadOnlyList<double> x, IReadOnlyList<double> y, double frac = 2.0 / 3.0, int it = 3, double delta = 0.0,
                                   LowessZeroMedian zeroMedian = LowessZeroMedian.StopIterating)
    {
        if (x.Count != y.Count) throw new UserError($"x has {x.Count} values but y has {y.Count}");
        if (x.Count == 0) throw new UserError("LOWESS needs at least one point");
        int[] order = Enumerable.Range(0, x.Count).OrderBy(i => x[i]).ToArray();   // OrderBy is stable
        double[] xs = order.Select(i => x[i]).ToArray();
        double[] ys = order.Select(i => y[i]).ToArray();
        return new LowessResult(xs, ys, FitSorted(xs, ys, frac, it, delta, zeroMedian));
    }

    /// <summary>Smooths points already sorted by x; returns the fitted value at each x.</summary>
    public static double[] FitSorted(double[] x, double[] y, double frac = 2.0 / 3.0, int it = 3, double delta = 0.0,
                                     LowessZeroMedian zeroMedian = LowessZeroMedian.StopIterating)
    {
        if (!(frac >= 0 && frac <= 1)) throw new UserError($"frac must be in [0, 1], got {frac}");
        if (it < 0) throw new UserError($"it must be at least 0, got {it}");
        if (!(delta >= 0)) throw new UserError($"delta must be at least 0, got {delta}");
        for (int i = 0; i < x.Length; i++)
            if (!double.IsFinite(x[i]) || !double.IsFinite(y[i])) throw new UserError($"point {i} ({x[i]}, {y[i]}) is not finite");
        for (int i = 1; i < x.Length; i++)
            if (x[i] < x[i - 1]) throw new UserError("x must be sorted in increasing order");

        int n = x.Length;
        // The neighbourhood size, rounded up when frac·n is within 1e-10 of an integer; at least 2, at most n.
        int k = Math.Clamp((int)(frac * n + 1e-10), 2, Math.Max(n, 2));
        k = Math.Min(k, n);
        double[] fitted = new double[n];
        double[] weights = new double[n];
        double[] robustness = Enumerable.Repeat(1.0, n).ToArray();
        double[] residuals = new double[n];

        for (int pass = 0; pass <= it; pass++)
        {
            Array.Clear(fitted);
            int i = 0, lastFit = -1, left = 0, right = k;
            while (true)
            {
                double xval = x[i];
                Array.Clear(weights);
                // Slide the k-point window right while xval is past its midpoint: it then holds xval's k nearest points.
                while (right < n && xval > (x[left] + x[right]) / 2.0) { left++; right++; }
                double radius = Math.Max(xval - x[left], x[right - 1] - xval);
                bool regressionOk = LocalWeights(x, weights, robustness, xval, left, right, radius);
                fitted[i] = regressionOk ? LocalLinearFit(x, y, weights, xval, left, right) : y[i];
                if (lastFit < i - 1) Interpolate(x, fitted, i, lastFit);
                (i, lastFit) = NextIndex(x, fitted, delta, i, lastFit);
                if (lastFit >= n - 1) break;
            }

            for (int j = 0; j < n; j++) residuals[j] = Math.Abs(y[j] - fitted[j]);
            double median = Median(residuals);
            if (zeroMedian == LowessZeroMedian.StopIterating && median <= 1e-7) break;
            for (int j = 0; j < n; j++)
            {
                double u = median == 0 ? (residuals[j] > 0 ? 1.0 : 0.0) : Math.Min(residuals[j] / (6.0 * median), 1.0);
                double b = 1.0 - u * u;
                robustness[j] = b * b;
            }
        }
        return fitted;
    }

    /// <summary>Tricube(|x - xval| / radius) × robustness over [left, right), normalised; false if under two are positive.</summary>
    static bool LocalWeights(double[] x, double[] weights, double[] robustness, double xval, int left, int right, double radius)
    {
        double sum = 0;
        int positive = 0;
        for (int j = left; j < right; j++)
        {
            double d = Math.Abs(x[j] - xval) / radius;
            double cube = 1.0 - d * d * d;
            weights[j] = cube * cube * cube * robustness[j];
            sum += weights[j];
            if (weights[j] > 1e-12) positive++;
        }
        if (positive < 2) return false;
        for (int j = left; j < right; j++) weights[j] /= sum;
        return true;
    }

    /// <summary>The weighted least-squares line through the window, evaluated at xval.</summary>
    static double LocalLinearFit(double[] x, double[] y, double[] weights, double xval, int left, int right)
    {
        double mean = 0, spread = 0, fit = 0;
        for (int j = left; j < right; j++) mean += weights[j] * x[j];
        for (int j = left; j < right; j++) spread += weights[j] * (x[j] - mean) * (x[j] - mean);
        spread = Math.Max(spread, 1e-12);
        for (int j = left; j < right; j++)
            fit += weights[j] * (1.0 + (xval - mean) * (x[j] - mean) / spread) * y[j];
        return fit;
    }

    static void Interpolate(double[] x, double[] fitted, int i, int lastFit)
    {
        double denominator = x[i] - x[lastFit];
        for (int j = lastFit + 1; j < i; j++)
        {
            double a = (x[j] - x[lastFit]) / denominator;
            fitted[j] = a * fitted[i] + (1.0 - a) * fitted[lastFit];
        }
    }

    /// <summary>Copies the fit to ties of x[i], then jumps to the last point within delta (at least one step on).</summary>
    static (int next, int lastFit) NextIndex(double[] x, double[] fitted, double delta, int i, int lastFit)
    {
        lastFit = i;
        int k = lastFit;
        double cutpoint = x[lastFit] + delta;
        for (int j = lastFit + 1; j < x.Length; j++)
        {
            k = j;
            if (x[j] > cutpoint) break;
            if (x[j] == x[lastFit]) { fitted[j] = fitted[lastFit]; lastFit = j; }
        }
        return (Math.Max(k - 1, lastFit + 1), lastFit);
    }

    static double Median(double[] values)
    {
        double[] sorted = (double[])values.Clone();
        Array.Sort(sorted);
        int m = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2.0;
    }
}
