using TransformerSharp.Cli;

namespace TransformerSharp.Tests.Cli;

/// <summary>Runs the CLI in-process and captures what it writes.</summary>
public static class CliRunner
{
    public static (int code, string output, string error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
