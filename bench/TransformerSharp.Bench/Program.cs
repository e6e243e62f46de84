using Spectre.Console;
using TransformerSharp.Bench;

// Throughput of the attention primitives: thread settings, ours against TorchSharp's built-ins. Reported as
// tokens/s and as ratios, never asserted: speed lives here, not in unit tests.
// usage: TransformerSharp.Bench [attention] [gpt] [translation] [dropout] [t5]   (no argument: all five)
//        TransformerSharp.Bench compare [--data DIR] [--python PATH] [--output FILE]   (PyTorch and ONNX Runtime side by side)
if (args.Length > 0 && args[0] == "compare")
{
    if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;
    string repository = Path.GetFullPath(typeof(Compare).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
        .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!);
    string Option(string name, string fallback)
    {
        int at = Array.IndexOf(args, name);
        return at > 0 && at + 1 < args.Length ? args[at + 1] : fallback;
    }
    foreach (string arg in args.Skip(1).Where(a => a.StartsWith("--") && a is not ("--data" or "--python" or "--output")))
    {
        Console.Error.WriteLine($"compare: unknown option {arg} (use --data DIR, --python PATH, --output FILE)");
        return 2;
    }
    return Compare.Run(repository, Option("--data", Environment.GetEnvironmentVariable("TRANSFORMERSHARP_DATA") ?? Path.Combine(repository, "..", "shared", "data")),
                       Option("--python", Environment.GetEnvironmentVariable("TRANSFORMERSHARP_PYTHON") ?? "/usr/bin/python3"),
                       Option("--output", "compare.json"));
}
string[] known = { "attention", "gpt", "translation", "dropout", "t5" };
string[] sections = args.Length == 0 ? known : args;
foreach (string unknown in sections.Except(known))
{
    Console.Error.WriteLine($"unknown section '{unknown}': choose from {string.Join(", ", known)}");
    return 2;
}
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 140;
int[] threadCounts = { 1, 2 };
AnsiConsole.WriteLine($"libtorch default intra-op threads here: {TorchSharp.torch.get_num_threads()}, cores: {Environment.ProcessorCount}");
if (sections.Contains("attention"))
{
    foreach (AttentionShape shape in AttentionBenchmarks.Shapes) AnsiConsole.WriteLine($"  {shape}");
    var results = new List<Measurement>();
    foreach (AttentionShape shape in AttentionBenchmarks.Shapes)
        foreach (int threads in threadCounts)
        {
            results.Add(AttentionBenchmarks.OursTrainingStep(shape, threads));
            results.Add(AttentionBenchmarks.TorchTrainingStep(shape, threads));
            var (ours, fused) = AttentionBenchmarks.ScaledDotProduct(shape, threads);
            results.Add(ours);
            results.Add(fused);
        }

    var table = new Table().Border(TableBorder.Simple).AddColumns("workload", "variant", "threads", "ms", "tokens/s", "2 threads vs 1");
    foreach (Measurement m in results)
    {
        Measurement one = results.Single(r => r.Workload == m.Workload && r.Variant == m.Variant && r.Threads == 1);
        string ratio = m.Threads == 1 ? "" : $"{one.Seconds / m.Seconds:F2}×";
        table.AddRow(Markup.Escape(m.Workload), Markup.Escape(m.Variant), m.Threads.ToString(), (m.Seconds * 1000).ToString("F2"),
                     m.TokensPerSecond.ToString("N0"), ratio);
    }
    AnsiConsole.Write(table);

    AnsiConsole.MarkupLine("[bold]ours ÷ TorchSharp time (below 1 = we are faster)[/]");
    foreach (var group in results.GroupBy(r => (r.Workload, r.Threads)))
    {
        double ours = group.Single(r => r.Variant == "ours MHA train").Seconds;
        double torch = group.Single(r => r.Variant == "torch MHA train").Seconds;
        double oursSdpa = group.Single(r => r.Variant == "ours attention infer").Seconds;
        double fused = group.Single(r => r.Variant == "torch SDPA infer").Seconds;
        AnsiConsole.WriteLine($"  {group.Key.Workload}, {group.Key.Threads} thread(s): MHA train step {ours / torch:F2}, attention inference {oursSdpa / fused:F2}");
    }
}

if (sections.Contains("gpt"))
{
    AnsiConsole.MarkupLine("[bold]GPT[/]");
    foreach (int threads in threadCounts)
    {
        double tokensPerSecond = GptBenchmarks.TrainingTokensPerSecond(threads);
        AnsiConsole.WriteLine($"  shakespeare-char-cpu training step, {threads} thread(s): {tokensPerSecond:N0} tokens/s");
    }
    foreach (int threads in threadCounts)
    {
        var (cached, recomputed, same) = GptBenchmarks.KvCache(threads);
        AnsiConsole.WriteLine($"  500 greedy tokens, {threads} thread(s): cache {cached:F2} s, recompute {recomputed:F2} s, speed-up {recomputed / cached:F1}×, same tokens: {same}");
    }
}

if (sections.Contains("translation"))
{
    AnsiConsole.MarkupLine("[bold]Translator (D2L Transformer: 256 wide, 2 blocks, 4 heads, FFN 64)[/]");
    foreach (var shape in TranslationBenchmarks.Shapes)
        foreach (int threads in threadCounts)
            AnsiConsole.WriteLine($"  {shape.Name}, {threads} thread(s): {TranslationBenchmarks.TokensPerSecond(shape, threads):N0} target tokens/s");
}

if (sections.Contains("dropout"))
{
    AnsiConsole.MarkupLine("[bold]Dropout p = 0.1, forward and backward (ms; ratio: libtorch's time ÷ this one)[/]");
    foreach (var (name, shape) in DropoutBenchmarks.Shapes)
        foreach (int threads in threadCounts)
        {
            var times = DropoutBenchmarks.Variants.Select(v => DropoutBenchmarks.Seconds(shape, v, threads)).ToArray();
            AnsiConsole.WriteLine($"  {name}, {threads} thread(s): " +
                                  string.Join(", ", DropoutBenchmarks.Variants.Select((v, i) => $"{v} {times[i] * 1000:F2} ms ({times[0] / times[i]:F2}×)")));
        }
}

if (sections.Contains("t5"))
{
    AnsiConsole.MarkupLine($"[bold]T5 dialogsum-cpu training step, products in float32 and in bf16 (ms; ratio: float32's time ÷ bf16's); " +
                           $"this CPU {(TransformerSharp.Torch.MatmulPrecision.CpuHasNativeBf16 ? "has" : "lacks")} native bf16, " +
                           $"oneDNN's ISA cap {TransformerSharp.Torch.OneDnnIsa.InForce ?? "none"}[/]");
    foreach (string stage in T5StepBenchmarks.Stages)
    {
        double float32 = T5StepBenchmarks.Seconds(stage, bf16: false, threads: 2), bf16 = T5StepBenchmarks.Seconds(stage, bf16: true, threads: 2);
        AnsiConsole.WriteLine($"  {stage}, 2 threads: float32 {float32 * 1000:F0} ms, bf16 {bf16 * 1000:F0} ms ({float32 / bf16:F2}×)");
    }
}
return 0;
