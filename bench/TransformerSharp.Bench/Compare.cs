using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Spectre.Console;

namespace TransformerSharp.Bench;

/// <summary>
/// Issue 12's side-by-side run: each PyTorch reference (bench/reference/*.py) and ours on the same workload, one after
/// another, with each pair's ratio. Ours runs through the CLI where a CLI command is the workload (fit time,
/// ms/iteration), in this process where the workload is a training step or an embedding batch.
/// </summary>
public static class Compare
{
    public sealed record Row(string Workload, string Measure, double Reference, string ReferenceSetting, double Ours, string OursSetting,
                             bool HigherIsBetter, string ReferenceName = "PyTorch", long? ReferencePeakKb = null, long? OursPeakKb = null)
    {
        /// <summary>How many times faster ours is.</summary>
        public double Speedup => HigherIsBetter ? Ours / Reference : Reference / Ours;
    }

    public static int Run(string repository, string data, string python, string output)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "TransformerSharp.Cli.dll");
        string fra = Path.Combine(data, "fra-eng", "fra.txt"), shakespeare = Path.Combine(data, "tinyshakespeare", "input.txt");
        string nli = Path.Combine(data, "nli", "snli_1.0_dev.pairs.jsonl");
        foreach (string file in new[] { fra, shakespeare, nli, python })
            if (!File.Exists(file)) { Console.Error.WriteLine($"compare: {file} not found (--data DIR holds fra-eng, tinyshakespeare, nli; --python PATH)"); return 2; }
        string scratch = Directory.CreateTempSubdirectory("ts-compare-").FullName;
        string references = Path.Combine(repository, "bench", "reference");
        AnsiConsole.WriteLine($"CPU: {CpuModel()}, {Environment.ProcessorCount} cores; {Avx512()}; libtorch MKL CPU fix: {MklFixState()}");
        AnsiConsole.WriteLine($"PyTorch: {python} with OPENBLAS_NUM_THREADS=1, intra-op threads 1 and 2, the faster kept; ours: 2 intra-op threads (the default)");
        var rows = new List<Row>();
        try
        {
            // 1. D2L's Transformer, book preset: fit time.
            var (torchFit, torchFitSetting, torchFitKb) = Best(threads => Python(python, threads, Path.Combine(references, "translator_reference.py"), fra, "--threads", threads),
                                                              @"trained in ([\d.]+) s", lowerIsBetter: true);
            var (oursFit, oursFitKb) = Cli(cli, @"trained in ([\d.]+) s", "translate", "train", "--data", fra, "--out", Path.Combine(scratch, "d2l"));
            rows.Add(new Row("D2L Transformer, book preset (30 epochs)", "fit s", torchFit, torchFitSetting, oursFit, "2 threads", false,
                             ReferencePeakKb: torchFitKb, OursPeakKb: oursFitKb));

            // 2. nanoGPT's shakespeare-char CPU recipe: ms/iteration over 500 steps, evaluations included on both sides.
            var (torchGpt, torchGptSetting, torchGptKb) = Best(threads => Python(python, threads, Path.Combine(references, "gpt_reference.py"), shakespeare, "--steps", "500", "--threads", threads),
                                                              @"([\d.]+) ms/iteration", lowerIsBetter: true);
            var (oursGpt, oursGptKb) = Cli(cli, @"([\d.]+) ms/iteration", "gpt", "train", "--data", shakespeare, "--iterations", "500", "--out", Path.Combine(scratch, "gpt"));
            rows.Add(new Row("nanoGPT shakespeare-char-cpu (500 steps)", "ms/iteration", torchGpt, torchGptSetting, oursGpt, "2 threads", false,
                             ReferencePeakKb: torchGptKb, OursPeakKb: oursGptKb));

            // 3. The full preset's shape: training steps on random ids.
            var full = TranslationBenchmarks.Shapes[1];
            var (torchFull, torchFullSetting, _) = Best(threads => Python(python, threads, Path.Combine(references, "translator_reference.py"), "--random",
                                                            full.SourceVocab.ToString(), full.TargetVocab.ToString(), full.Batch.ToString(), full.Steps.ToString(), "--threads", threads),
                                                        @"([\d,]+) target tokens/s", lowerIsBetter: false);
            double oursFull = TranslationBenchmarks.TokensPerSecond(full, 2);
            rows.Add(new Row("Translator, full preset's shape (batch 256 × 10, vocab 5,881/9,211)", "target tokens/s", torchFull, torchFullSetting, oursFull, "2 threads", true));

            // 4. bert embed with MiniLM against ONNX Runtime, batch 32, 2 threads.
            var sentences = File.ReadLines(nli).Take(1024).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("premise").GetString()!).ToList();
            var embed = EmbeddingBenchmarks.Compare(sentences, batchSize: 32, threads: 2);
            rows.Add(new Row($"bert embed, MiniLM, {sentences.Count} SNLI premises in batches of 32 (largest difference {embed.LargestDifference:E1})", "sentences/s",
                             embed.OnnxSentencesPerSecond, "2 threads", embed.OursSentencesPerSecond, "2 threads", true, ReferenceName: "ONNX Runtime"));
        }
        finally { Directory.Delete(scratch, recursive: true); }

        var table = new Table().Border(TableBorder.Markdown).AddColumns("workload", "measure", "reference", "reference setting", "ours", "speed-up (× reference)", "peak RSS reference / ours");
        foreach (Row r in rows)
            table.AddRow(Markup.Escape(r.Workload), r.Measure, $"{r.ReferenceName} {Format(r.Reference)}", r.ReferenceSetting, $"{Format(r.Ours)} ({r.OursSetting})",
                         $"{r.Speedup:F2}×", r.ReferencePeakKb is long a && r.OursPeakKb is long b ? $"{a / 1024} / {b / 1024} MB" : "");
        AnsiConsole.Write(table);
        File.WriteAllText(output, JsonSerializer.Serialize(new { cpu = CpuModel(), avx512 = Avx512(), mkl_fix = MklFixState(), rows }, new JsonSerializerOptions { WriteIndented = true }));
        AnsiConsole.WriteLine($"written: {output}");
        return 0;
    }

    static string Format(double value) => value >= 100 ? value.ToString("N0", CultureInfo.InvariantCulture) : value.ToString("F1", CultureInfo.InvariantCulture);

    /// <summary>Runs the reference at 1 and 2 threads and keeps the better figure.</summary>
    static (double value, string setting, long? peakKb) Best(Func<string, (string output, long? peakKb)> run, string pattern, bool lowerIsBetter)
    {
        var results = new[] { "1", "2" }.Select(threads =>
        {
            var (text, kb) = run(threads);
            return (value: Parse(text, pattern), setting: $"{threads} thread{(threads == "1" ? "" : "s")}", kb);
        }).ToList();
        var best = lowerIsBetter ? results.MinBy(r => r.value) : results.MaxBy(r => r.value);
        AnsiConsole.WriteLine($"  reference: {string.Join(", ", results.Select(r => $"{r.setting} {Format(r.value)}"))}");
        return best;
    }

    static (string output, long? peakKb) Python(string python, string threads, params string[] args) =>
        Measured(python, args, new Dictionary<string, string> { ["OPENBLAS_NUM_THREADS"] = "1", ["OMP_NUM_THREADS"] = threads });

    static (double value, long? peakKb) Cli(string cli, string pattern, params string[] args)
    {
        var (text, kb) = Measured("dotnet", new[] { cli }.Concat(args).ToArray(), new Dictionary<string, string>());
        double value = Parse(text, pattern);
        AnsiConsole.WriteLine($"  ours: {Format(value)}");
        return (value, kb);
    }

    /// <summary>Runs a command under /usr/bin/time (when present) for its peak resident memory.</summary>
    static (string output, long? peakKb) Measured(string program, string[] args, Dictionary<string, string> environment)
    {
        bool timed = File.Exists("/usr/bin/time");
        var info = new ProcessStartInfo(timed ? "/usr/bin/time" : program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (timed) { info.ArgumentList.Add("-f"); info.ArgumentList.Add("peak-rss-kb %M"); info.ArgumentList.Add(program); }
        foreach (string arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        AnsiConsole.WriteLine($"running: {program} {string.Join(' ', args.Select(a => a.Contains(' ') ? $"\"{a}\"" : a))}");
        using var process = Process.Start(info)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} exited {process.ExitCode}:\n{output}\n{error.Result}");
        Match peak = Regex.Match(error.Result, @"peak-rss-kb (\d+)");
        return (output + error.Result, peak.Success ? long.Parse(peak.Groups[1].Value) : null);
    }

    static double Parse(string text, string pattern)
    {
        MatchCollection matches = Regex.Matches(text, pattern);
        if (matches.Count == 0) throw new InvalidOperationException($"no '{pattern}' in the output:\n{text}");
        return double.Parse(matches[^1].Groups[1].Value.Replace(",", ""), CultureInfo.InvariantCulture);
    }

    static string CpuModel() => File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? "unknown"
        : "unknown";

    static string Avx512() => File.Exists("/proc/cpuinfo") && File.ReadLines("/proc/cpuinfo").Any(l => l.StartsWith("flags") && l.Contains(" avx512f"))
        ? "AVX-512" : "no AVX-512";

    static string MklFixState()
    {
        string library = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libtorch_cpu.so");
        return File.Exists(library) ? Build.MklCpuPatch.State(library).ToString() : "no libtorch_cpu.so";
    }
}
