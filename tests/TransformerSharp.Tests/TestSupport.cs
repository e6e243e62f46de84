using System.Diagnostics;
using System.Reflection;
using TorchSharp;
using TransformerSharp.Torch;
using Xunit;
using static TorchSharp.torch;

// libtorch's random state and thread settings are process-wide: run tests one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace TransformerSharp.Tests;

public static class TestSupport
{
    static TestSupport() => TorchRuntime.ConfigureThreads();

    public static string Metadata(string key) =>
        typeof(TestSupport).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    public static string RepositoryRoot => Path.GetFullPath(Metadata("RepositoryRoot"));

    /// <summary>../shared/data beside the project root, or null when it is absent.</summary>
    public static string? SharedData
    {
        get
        {
            string path = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "data"));
            return Directory.Exists(path) ? path : null;
        }
    }

    /// <summary>
    /// A Python that can import <paramref name="module"/> (Debian's /usr/bin/python3 unless the environment variable
    /// names another); otherwise the test is skipped, naming the Debian package to install.
    /// </summary>
    public static string PythonWith(string module, string debianPackage, string variable)
    {
        string python = Environment.GetEnvironmentVariable(variable) ?? "/usr/bin/python3";
        Skip.IfNot(File.Exists(python), $"{python} not found: apt-get install {debianPackage} (or set {variable})");
        var (exitCode, _, _) = RunPython(python, "-c", $"import {module}");
        Skip.If(exitCode != 0, $"{python} cannot import {module}: apt-get install {debianPackage}");
        return python;
    }

    /// <summary>Runs python with the arguments; returns its exit code, standard output and standard error.</summary>
    public static (int exitCode, string output, string errors) RunPython(string python, params string[] arguments)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        Task<string> errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, errors.Result);
    }

    public static void Seed(long seed)
    {
        TorchRuntime.ConfigureThreads();
        TorchRuntime.Seed(seed);
    }

    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        using Tensor diff = (a.to(ScalarType.Float64) - b.to(ScalarType.Float64)).abs().max();
        return diff.item<double>();
    }

    /// <summary>A new empty folder under this test run's own root, which is deleted when the run ends.</summary>
    /// <summary>
    /// Runs <paramref name="body"/> while another thread collects garbage without pause: how TorchSharp's implicit
    /// Scalars get freed mid-call (README, implicit Scalars).
    /// </summary>
    public static void WhileCollecting(Action body)
    {
        using var stop = new CancellationTokenSource();
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested) { GC.Collect(); GC.WaitForPendingFinalizers(); }
        }) { IsBackground = true };
        collector.Start();
        try { body(); }
        finally
        {
            stop.Cancel();
            collector.Join();
        }
    }

    public static string TempFolder()
    {
        string path = Path.Combine(RunFolder.Value, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    // Tests write checkpoints of hundreds of megabytes in all. A run deletes its folder when it ends, if the test host
    // is let finish, and at its start the folders of runs whose process is gone (or that are a day old).
    static readonly Lazy<string> RunFolder = new(() =>
    {
        string root = Path.Combine(Path.GetTempPath(), "transformersharp-tests");
        Directory.CreateDirectory(root);
        foreach (var old in new DirectoryInfo(root).GetDirectories())
            if (old.LastWriteTimeUtc < DateTime.UtcNow.AddDays(-1) || !Alive(old.Name)) TryDelete(old.FullName);
        string run = Path.Combine(root, $"run{Environment.ProcessId}-{Guid.NewGuid():N}"[..16]);
        Directory.CreateDirectory(run);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(run);
        return run;
    });

    /// <summary>Whether the run folder's process (runPID-…) is still running; folders of another name are left alone.</summary>
    static bool Alive(string folder)
    {
        var match = System.Text.RegularExpressions.Regex.Match(folder, @"^run(\d+)-");
        if (!match.Success) return true;
        try { using var process = Process.GetProcessById(int.Parse(match.Groups[1].Value)); return !process.HasExited; }
        catch (ArgumentException) { return false; }
    }

    static void TryDelete(string folder)
    {
        try { Directory.Delete(folder, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
