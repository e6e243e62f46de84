using System.Globalization;
using TransformerSharp.Training;

namespace TransformerSharp.Labs;

/// <summary>
/// What every lab in labs/ shares: its options (--quick, --out DIR, --data DIR, --seed S), where it writes, and the
/// list of what it wrote. A lab is a .NET file-based app (`dotnet run labs/11.2-attention-pooling.cs -- --quick`).
/// </summary>
public sealed class Lab
{
    /// <summary>Small settings: under a minute where the lab trains, seconds otherwise.</summary>
    public bool Quick { get; }
    /// <summary>The folder the lab writes to: --out, else labs/out/NAME beside the lab file.</summary>
    public string Out { get; }
    /// <summary>
    /// A folder holding the data sets as a course's shared folder does (fra-eng/fra.txt, dialogsum/, tinyshakespeare/):
    /// --data, else $TRANSFORMERSHARP_DATA, else shared/data beside the repository, else null (the library then looks for
    /// each data set its usual way: its own variable, a download).
    /// </summary>
    public string? Data { get; }
    public long Seed { get; }

    public const string DataVariable = "TRANSFORMERSHARP_DATA";

    Lab(bool quick, string outDir, string? data, long seed) => (Quick, Out, Data, Seed) = (quick, outDir, data, seed);

    /// <summary>Reads the lab's options; a wrong one prints how to call the lab and ends it with exit code 2.</summary>
    public static Lab Start(string[] args, string name)
    {
        bool quick = false;
        string? outDir = null, data = null;
        long seed = 0;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : Fail<string>($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--quick": quick = true; break;
                case "--out": outDir = Value(); break;
                case "--data": data = Value(); break;
                case "--seed": seed = long.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long s) ? s : Fail<long>("--seed needs a whole number"); break;
                default: Fail<string>($"unknown option {args[i]}"); break;
            }
        }
        if (data is not null && !Directory.Exists(data)) Fail<string>($"--data {data}: no such folder");
        data ??= Environment.GetEnvironmentVariable(DataVariable) is { Length: > 0 } fromVariable ? fromVariable : null;
        string beside = Path.GetFullPath(Path.Combine(LabsFolder(), "..", "..", "shared", "data"));
        data ??= Directory.Exists(beside) ? beside : null;
        outDir ??= Path.Combine(LabsFolder(), "out", name);
        Directory.CreateDirectory(outDir);
        Console.WriteLine($"# {name}{(quick ? " (quick)" : "")}: writing to {Path.GetFullPath(outDir)}{(data is null ? "" : $"; data sets from {data}")}");
        return new Lab(quick, Path.GetFullPath(outDir), data, seed);

        T Fail<T>(string message)
        {
            Console.Error.WriteLine($"{name}: {message}\nusage: dotnet run labs/{name}.cs -- [--quick] [--out DIR] [--data DIR] [--seed S]");
            Environment.Exit(2);
            return default!;
        }
    }

    /// <summary>A path in the output folder.</summary>
    public string File(string name) => Path.Combine(Out, name);

    /// <summary>Prints the path of a file the lab wrote, and returns it.</summary>
    public string Wrote(string path)
    {
        Console.WriteLine($"wrote {path}");
        return path;
    }

    /// <summary>A data file or folder under --data (e.g. "fra-eng/fra.txt"), or null so the library looks elsewhere.</summary>
    public string? DataPath(string relative) => Data is null ? null : Path.Combine(Data, relative);

    /// <summary>Training progress as plain lines: what the run reports, the loss every tenth of the run, each evaluation.</summary>
    public static TrainingObserver Progress() => new()
    {
        Info = Console.WriteLine,
        Warning = line => Console.WriteLine($"warning: {line}"),
        Started = (title, steps) => Console.WriteLine($"training {title}: {steps} steps"),
        Step = p => { if ((p.Step + 1) % Math.Max(1, p.Iterations / 10) == 0) Console.WriteLine($"  step {p.Step + 1}/{p.Iterations}: loss {p.Loss:F4}"); },
        Evaluated = e => Console.WriteLine($"  evaluation after step {e.Step}: train loss {e.TrainLoss:F4}, validation loss {Training.Evaluation.Format(e.ValidLoss)}"),
    };

    /// <summary>A heading between the lab's steps, as the book's subsections.</summary>
    public static void Section(string title) => Console.WriteLine($"\n## {title}");

    /// <summary>The labs/ folder: the running lab file's (.NET sets it for file-based apps), else ./labs.</summary>
    static string LabsFolder() =>
        AppContext.GetData("EntryPointFileDirectoryPath") as string ?? Path.Combine(Directory.GetCurrentDirectory(), "labs");
}
