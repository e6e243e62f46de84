using System.CommandLine;
using System.Globalization;
using TransformerSharp.Cli;
using Xunit;

namespace TransformerSharp.Tests.Cli;

public class OptionChecksTests
{
    static IEnumerable<(string[] path, Option option)> AllOptions()
    {
        var root = CliApp.Build(new CliContext(TextWriter.Null, TextWriter.Null));
        IEnumerable<(string[], Option)> Walk(Command command, string[] path) =>
            command.Options.Select(o => (path, o)).Concat(command.Subcommands.SelectMany(s => Walk(s, path.Append(s.Name).ToArray())));
        return Walk(root, Array.Empty<string>());
    }

    static IReadOnlyList<string> Errors(string[] path, params string[] args)
    {
        var root = CliApp.Build(new CliContext(TextWriter.Null, TextWriter.Null));
        return root.Parse(path.Concat(args).ToArray()).Errors.Select(e => e.Message).ToList();
    }

    [Fact]
    public void EveryNumericOptionRefusesAValueOutOfItsRangeAndAcceptsOneInside()
    {
        var numeric = AllOptions().Where(p => OptionChecks.IsNumeric(p.option) && !OptionChecks.Unbounded.Contains(p.option.Name)).ToList();
        Assert.True(numeric.Count > 60, $"only {numeric.Count} numeric options found");
        foreach (var (path, option) in numeric)
        {
            var range = OptionChecks.Ranges[option.Name];
            string where = $"{string.Join(' ', path)} {option.Name}";
            Assert.True(Errors(path, option.Name, range.Invalid).Any(e => e == $"{option.Name} must be {range.Text}, got {range.Invalid}"), where);
            string inside = range.Contains(1) ? "1" : "0.5";
            Assert.False(Errors(path, option.Name, inside).Any(e => e.StartsWith(option.Name)), $"{where} {inside}");
        }
    }

    [Fact]
    public void EveryInputPathOptionRefusesAMissingPath()
    {
        var inputs = AllOptions().Where(p => OptionChecks.IsPath(p.option) && !OptionChecks.Outputs.Contains(p.option.Name)).ToList();
        Assert.True(inputs.Count > 25, $"only {inputs.Count} input path options found");
        string missing = Path.Combine(TestSupport.TempFolder(), "missing");
        foreach (var (path, option) in inputs)
            Assert.True(Errors(path, option.Name, missing).Any(e => e.StartsWith($"{option.Name} {missing}: no such ")), $"{string.Join(' ', path)} {option.Name}");
    }

    [Theory]
    [InlineData("--batch-size -1", "--batch-size must be at least 1, got -1")]
    [InlineData("--eval-interval 0", "--eval-interval must be at least 1, got 0")]
    [InlineData("--grad-accum 0", "--grad-accum must be at least 1, got 0")]
    [InlineData("--grad-accum -2", "--grad-accum must be at least 1, got -2")]
    [InlineData("--iterations 0", "--iterations must be at least 1, got 0")]
    [InlineData("--lr nan", "--lr must be a positive number, got nan")]
    [InlineData("--lr -1", "--lr must be a positive number, got -1")]
    public void GptTrainRefusesTheValuesTheIssueFoundBeforeAnyWork(string option, string message)
    {
        string data = Path.Combine(TestSupport.TempFolder(), "text.txt"), outDir = Path.Combine(TestSupport.TempFolder(), "run");
        File.WriteAllText(data, "some text to learn from\n");
        var run = CliRunner.Run(new[] { "gpt", "train", "--data", data, "--out", outDir }.Concat(option.Split(' ')).ToArray());
        Assert.Equal(1, run.code);
        Assert.Equal(message, run.error.Trim());
        Assert.False(Directory.Exists(outDir));
    }

    [Theory]
    [InlineData("translate --beam 0 hello", "--beam must be at least 1, got 0")]
    [InlineData("translate --beam -3 hello", "--beam must be at least 1, got -3")]
    [InlineData("gpt generate --temperature -1", "--temperature must be 0 (greedy) or more, got -1")]
    [InlineData("gpt generate --top-p 2", "--top-p must be in (0, 1], got 2")]
    [InlineData("gpt generate --max-new-tokens -5", "--max-new-tokens must be at least 1, got -5")]
    public void DecodingOptionsAreRefusedWithOneLine(string args, string message)
    {
        string model = Path.Combine(TestSupport.TempFolder(), "any.ckpt");
        File.WriteAllText(model, "not read: the options are checked first");
        var run = CliRunner.Run(args.Split(' ').Concat(new[] { "--model", model }).ToArray());
        Assert.Equal(1, run.code);
        Assert.Equal(message, run.error.Trim());
    }
}
