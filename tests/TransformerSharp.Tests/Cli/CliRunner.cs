using TransformerSharp.Cli;

namespace TransformerSharp.Tests.Cli;

/// <summary>Runs the CLI in-process and captures what it writes.</summary>
public static class CliRunner
{
    public static (int code, string output, string error) Run(params string[] args) => RunInterrupted(null, args);

    /// <summary>Runs the CLI and presses Ctrl+C, in effect, the moment its output first contains <paramref name="when"/>.</summary>
    public static (int code, string output, string error) RunInterrupted(string? when, params string[] args)
    {
        var output = new WatchingWriter(when);
        var error = new StringWriter();
        var context = new CliContext(output, error);
        output.OnSeen = context.RequestInterrupt;
        int code = CliApp.Run(context, args);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>The output with Spectre's line wrapping (at 120 columns) undone, for matching long lines.</summary>
    public static string Unwrapped(string output) => output.Replace("\n", "");

    sealed class WatchingWriter(string? marker) : StringWriter
    {
        public Action OnSeen { get; set; } = () => { };
        bool seen;

        public override void Write(char value) { base.Write(value); Check(); }
        public override void Write(string? value) { base.Write(value); Check(); }
        public override void Write(char[] buffer, int index, int count) { base.Write(buffer, index, count); Check(); }

        void Check()
        {
            if (seen || marker is null || !ToString().Contains(marker)) return;
            seen = true;
            OnSeen();
        }
    }
}
