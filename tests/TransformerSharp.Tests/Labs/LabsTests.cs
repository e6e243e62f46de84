using System.Diagnostics;
using SkiaSharp;
using Xunit;

namespace TransformerSharp.Tests.Labs;

/// <summary>Every lab runs with --quick as a student would run it (`dotnet run labs/….cs`), so the labs never rot.</summary>
public class LabsTests
{
    static string LabsFolder => Path.Combine(TestSupport.RepositoryRoot, "labs");

    public static TheoryData<string> Labs() => new(Directory.GetFiles(LabsFolder, "11.*.cs").Select(Path.GetFileName).Order()!);

    /// <summary>Runs a lab; returns its exit code, its output, and the files it says it wrote.</summary>
    static (int code, string output, List<string> wrote) RunLab(string file, string outDir)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestSupport.RepositoryRoot };
        foreach (string a in new[] { "run", Path.Combine(LabsFolder, file), "--", "--quick", "--out", outDir }) start.ArgumentList.Add(a);
        if (TestSupport.SharedData is { } shared) { start.ArgumentList.Add("--data"); start.ArgumentList.Add(shared); }
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var wrote = output.Split('\n').Where(l => l.StartsWith("wrote ")).Select(l => l["wrote ".Length..].Trim()).ToList();
        return (process.ExitCode, output + error.Result, wrote);
    }

    [SkippableTheory]
    [MemberData(nameof(Labs))]
    public void EveryLabRunsQuickAndWritesWhatItSays(string file)
    {
        bool translation = file.StartsWith("11.4") || file.StartsWith("11.7");
        Skip.If(translation && TestSupport.SharedData is null, "../shared/data is absent: the translation labs need the English–French pairs");
        Skip.If(file.StartsWith("11.8") && !Directory.Exists("/usr/share/datasets/fashion-mnist") &&
                Environment.GetEnvironmentVariable("TRANSFORMERSHARP_FASHION_MNIST") is null, "no Fashion-MNIST (apt install dataset-fashion-mnist)");
        string outDir = TestSupport.TempFolder();
        var (code, output, wrote) = RunLab(file, outDir);
        Assert.True(code == 0, output);
        Assert.Contains("Exercises", output);
        Assert.NotEmpty(wrote);
        Assert.All(wrote, path => Assert.True(File.Exists(path) && path.StartsWith(outDir), path));
    }

    [SkippableFact]
    public void TheAttentionPoolingChartRendersOfflineInChromium()
    {
        const string chromium = "/usr/bin/chromium";
        Skip.IfNot(File.Exists(chromium), "Chromium is absent (apt install chromium)");
        string outDir = TestSupport.TempFolder();
        var (code, output, _) = RunLab("11.2-attention-pooling.cs", outDir);
        Assert.True(code == 0, output);
        string html = Path.Combine(outDir, "fits.html");
        Assert.DoesNotContain("<script src=", File.ReadAllText(html));            // plotly.js is inside the file

        // No network: every host resolves to nothing, and any proxy use fails.
        string[] offline = { "--headless", "--no-sandbox", "--disable-gpu", "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
                             "--virtual-time-budget=5000", "--window-size=1000,700" };
        string dom = Run(chromium, offline.Append("--dump-dom").Append(new Uri(html).AbsoluteUri));
        Assert.Contains("class=\"main-svg\"", dom);                                 // plotly drew its SVG
        Assert.Equal(8, CountOf(dom, "class=\"trace scatter"));                     // data, truth, four kernels, learned, LOWESS
        Assert.Contains("LOWESS trend", dom);

        string png = Path.Combine(outDir, "screenshot.png");
        Run(chromium, offline.Append($"--screenshot={png}").Append(new Uri(html).AbsoluteUri));
        using var bitmap = SKBitmap.Decode(png);
        var colours = new HashSet<uint>();
        for (int y = 0; y < bitmap.Height; y += 4)
            for (int x = 0; x < bitmap.Width; x += 4) colours.Add((uint)bitmap.GetPixel(x, y));
        Assert.True(colours.Count > 20, $"only {colours.Count} colours: a blank page");
    }

    static int CountOf(string text, string part) => (text.Length - text.Replace(part, "").Length) / part.Length;

    static string Run(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(60_000)) { process.Kill(true); throw new TimeoutException($"{program} did not finish in 60 s"); }
        _ = error.Result;
        return output;
    }
}
