using System.Diagnostics;

namespace TransformerSharp.Bench;

/// <summary>Median wall time of repeated runs after a warm-up; the median resists one slow outlier on a shared VM.</summary>
public static class Timing
{
    public static double MedianSeconds(Action run, int warmup = 3, int repeats = 15)
    {
        for (int i = 0; i < warmup; i++) run();
        var times = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            var watch = Stopwatch.StartNew();
            run();
            times[i] = watch.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        return times[repeats / 2];
    }
}
