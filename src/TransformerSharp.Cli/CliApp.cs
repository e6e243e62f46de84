using System.CommandLine;
using Spectre.Console;
using TransformerSharp.Cli.Commands;
using TransformerSharp.Torch;

namespace TransformerSharp.Cli;

/// <summary>The command tree. Each verb only turns options into library calls and prints what they return.</summary>
public static class CliApp
{
    public static readonly Option<int?> Threads = new("--threads")
    {
        Description = $"libtorch intra-op threads (default: ${TorchRuntime.ThreadsVariable}, else one per core)",
        Recursive = true,
    };

    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("TransformerSharp: attention mechanisms and Transformers (D2L chapter 11) in C#.");
        root.Options.Add(Threads);
        root.Subcommands.Add(DemoCommand.Create(context));
        root.Subcommands.Add(KernelRegressionCommand.Create(context));
        root.Subcommands.Add(LowessCommand.Create(context));
        root.Subcommands.Add(GptCommand.Create(context));
        root.Subcommands.Add(TranslateCommand.Create(context));
        root.Subcommands.Add(TranslateCommand.BleuCommand(context));
        root.Subcommands.Add(BertCommand.Create(context));
        root.Subcommands.Add(VitCommand.Create(context));
        root.Subcommands.Add(T5Command.Create(context));
        root.Subcommands.Add(RougeCommand.Create(context));
        root.Subcommands.Add(ModelCommands.Presets(context));
        root.Subcommands.Add(ModelCommands.Info(context));
        return root;
    }

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var context = new CliContext(output, error);
        return Build(context).Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
    }
}

/// <summary>Where a command writes: a Spectre console over the output writer, and the error writer.</summary>
public sealed class CliContext
{
    public CliContext(TextWriter output, TextWriter error)
    {
        Error = error;
        bool terminal = ReferenceEquals(output, System.Console.Out) && !System.Console.IsOutputRedirected;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal) Console.Profile.Width = 120;
    }

    public IAnsiConsole Console { get; }
    public TextWriter Error { get; }

    /// <summary>
    /// Runs a command body: sets threads, and turns the errors a user can fix — <see cref="UserError"/>, bad data or
    /// checkpoints, missing or unreadable files — into one clear line on stderr and exit code 1. Anything else is a
    /// bug: it propagates with its stack trace.
    /// </summary>
    public int Guard(ParseResult parse, Func<int> body)
    {
        try
        {
            TorchRuntime.ConfigureThreads(parse.GetValue(CliApp.Threads));
            return body();
        }
        catch (Exception e) when (IsUserError(e))
        {
            Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    public static bool IsUserError(Exception e) =>
        e is UserError or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException;
}
