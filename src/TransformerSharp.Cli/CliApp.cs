using System.CommandLine;
using System.CommandLine.Invocation;
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
        root.Subcommands.Add(ModelCommands.Export(context));
        OptionChecks.Apply(root);
        return root;
    }

    public static int Run(string[] args, TextWriter output, TextWriter error) => Run(new CliContext(output, error), args);

    public static int Run(CliContext context, string[] args)
    {
        var parse = Build(context).Parse(args);
        // A wrong option is one line naming it; the full help is one --help away.
        if (parse.Action is ParseErrorAction errors) errors.ShowHelp = false;
        return parse.Invoke(new InvocationConfiguration { Output = context.Output, Error = context.Error });
    }
}

/// <summary>Where a command writes: a Spectre console over the output writer, and the error writer.</summary>
public sealed class CliContext
{
    readonly CancellationTokenSource interrupt = new();

    public CliContext(TextWriter output, TextWriter error)
    {
        Output = output;
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
    public TextWriter Output { get; }
    public TextWriter Error { get; }

    /// <summary>Cancelled by Ctrl+C in an interruptible command: training stops within one step or evaluation batch.</summary>
    public CancellationToken Interrupt => interrupt.Token;

    /// <summary>What Ctrl+C does in an interruptible command (tests call it directly).</summary>
    public void RequestInterrupt() => interrupt.Cancel();

    /// <summary>
    /// Runs a command body: sets threads, and turns the errors a user can fix — <see cref="UserError"/>, bad data or
    /// checkpoints, missing or unreadable files — into one clear line on stderr and exit code 1. Anything else is a
    /// bug: it propagates with its stack trace.
    /// </summary>
    /// <param name="interruptible">a training verb: the first Ctrl+C cancels <see cref="Interrupt"/> (the verb saves
    /// last.ckpt and exits 130), a second one ends the process at once. Otherwise Ctrl+C ends the process.</param>
    public int Guard(ParseResult parse, Func<int> body, bool interruptible = false)
    {
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = !interrupt.IsCancellationRequested;
            if (e.Cancel) Error.WriteLine("stopping after this step or evaluation batch (Ctrl+C again quits without saving)");
            RequestInterrupt();
        };
        if (interruptible) System.Console.CancelKeyPress += onCancel;
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
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            Error.WriteLine("interrupted");
            return 130;
        }
        finally
        {
            if (interruptible) System.Console.CancelKeyPress -= onCancel;
        }
    }

    public static bool IsUserError(Exception e) =>
        e is UserError or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException;
}
