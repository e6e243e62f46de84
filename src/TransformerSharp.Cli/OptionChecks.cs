using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace TransformerSharp.Cli;

/// <summary>
/// Every option's allowed values, in one place. An option means the same in every verb that has it (--lr, --beam,
/// --batch-size), so ranges are kept by name; a numeric option without a range, or a path option not known as input
/// or output, fails the build of the command tree, so a new option cannot go unchecked. A value out of range is a
/// one-line parse error naming the option, the range and the value, before any work starts.
/// </summary>
public static class OptionChecks
{
    /// <summary>Allowed values: [Min, Max] with open ends where flagged; Invalid is a value outside, for tests.</summary>
    public sealed record Range(double Min, double Max, bool MinOpen, bool MaxOpen, string Text, string Invalid)
    {
        public bool Contains(double v) => (MinOpen ? v > Min : v >= Min) && (MaxOpen ? v < Max : v <= Max) && !double.IsNaN(v);
    }

    static Range AtLeast(int n) => new(n, double.PositiveInfinity, false, true, $"at least {n}", (n - 1).ToString(CultureInfo.InvariantCulture));
    static readonly Range Positive = new(0, double.PositiveInfinity, true, true, "a positive number", "0");
    static readonly Range NonNegative = new(0, double.PositiveInfinity, false, true, "0 or more", "-1");
    static readonly Range Finite = new(double.NegativeInfinity, double.PositiveInfinity, true, true, "a finite number", "nan");
    static readonly Range ProbabilityBelowOne = new(0, 1, false, true, "in [0, 1)", "1");

    public static IReadOnlyDictionary<string, Range> Ranges { get; } = new Dictionary<string, Range>
    {
        ["--threads"] = AtLeast(1), ["--epochs"] = AtLeast(1), ["--iterations"] = AtLeast(1), ["--steps"] = AtLeast(1),
        ["--batch-size"] = AtLeast(1), ["--grad-accum"] = AtLeast(1), ["--eval-interval"] = AtLeast(1), ["--eval-batches"] = AtLeast(1),
        ["--layers"] = AtLeast(1), ["--heads"] = AtLeast(1), ["--width"] = AtLeast(1), ["--ffn-width"] = AtLeast(1), ["--context"] = AtLeast(1),
        ["--lr"] = Positive, ["--min-lr"] = NonNegative, ["--warmup"] = NonNegative, ["--weight-decay"] = NonNegative,
        ["--clip"] = NonNegative with { Text = "0 (off) or more" }, ["--dropout"] = ProbabilityBelowOne, ["--label-smoothing"] = ProbabilityBelowOne,
        ["--subwords"] = NonNegative with { Text = "0 (words) or more" }, ["--max-train-samples"] = AtLeast(1), ["--trials"] = AtLeast(1),
        ["--max-new-tokens"] = AtLeast(1), ["--temperature"] = NonNegative with { Text = "0 (greedy) or more" }, ["--top-k"] = AtLeast(1),
        ["--top-p"] = new(0, 1, true, false, "in (0, 1]", "2"),
        ["--beam"] = AtLeast(1), ["--test-beam"] = AtLeast(1), ["--max-length"] = AtLeast(1), ["--no-repeat-ngram"] = NonNegative with { Text = "0 (off) or more" }, ["--length-penalty"] = Finite,
        ["--repetition-penalty"] = Positive with { Text = "above 0 (1: off)" }, ["--encoder-repetition-penalty"] = Positive with { Text = "above 0 (1: off)" },
        ["--limit"] = AtLeast(1), ["--index"] = NonNegative, ["--resamples"] = AtLeast(1), ["--keep-checkpoints"] = NonNegative with { Text = "0 (none) or more" },
        ["--noise-density"] = new(0, 1, true, true, "between 0 and 1", "1"), ["--mean-span"] = new(1, double.PositiveInfinity, false, true, "at least 1", "0.5"),
        ["--bandwidth"] = Positive, ["--frac"] = new(0, 1, true, false, "in (0, 1]", "0"), ["--it"] = NonNegative, ["--delta"] = NonNegative,
    };

    /// <summary>Numeric options any value of which is fine.</summary>
    public static IReadOnlySet<string> Unbounded { get; } = new HashSet<string> { "--seed" };

    /// <summary>Paths the command writes; every other file or folder option is read and must exist.</summary>
    public static IReadOnlySet<string> Outputs { get; } = new HashSet<string> { "--out", "--output", "--grid", "--attention-plot", "--plot" };

    public static bool IsNumeric(Option option) => Underlying(option) is { } t &&
        (t == typeof(int) || t == typeof(long) || t == typeof(double) || t == typeof(float));

    public static bool IsPath(Option option) => Underlying(option) is { } t && (typeof(FileSystemInfo).IsAssignableFrom(t) || t == typeof(FileInfo[]));

    static Type? Underlying(Option option) => option.ValueType is var t ? Nullable.GetUnderlyingType(t) ?? t : null;

    /// <summary>Adds the checks to every option of the tree.</summary>
    public static void Apply(Command command)
    {
        foreach (var option in command.Options)
        {
            if (IsNumeric(option) && !Unbounded.Contains(option.Name))
            {
                var range = Ranges.GetValueOrDefault(option.Name)
                    ?? throw new InvalidOperationException($"'{command.Name} {option.Name}' has no range in {nameof(OptionChecks)}.{nameof(Ranges)}");
                option.Validators.Add(result => CheckRange(result, range));
            }
            else if (IsPath(option) && !Outputs.Contains(option.Name))
                option.Validators.Add(CheckExists);
        }
        foreach (var sub in command.Subcommands) Apply(sub);
    }

    static void CheckRange(OptionResult result, Range range)
    {
        foreach (var token in result.Tokens)
            if (double.TryParse(token.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && !range.Contains(v))
                result.AddError($"{result.Option.Name} must be {range.Text}, got {token.Value}");
    }

    static void CheckExists(OptionResult result)
    {
        bool folder = typeof(DirectoryInfo).IsAssignableFrom(Underlying(result.Option));
        foreach (var token in result.Tokens)
            if (folder ? !Directory.Exists(token.Value) : !File.Exists(token.Value))
                result.AddError($"{result.Option.Name} {token.Value}: no such {(folder ? "folder" : "file")}");
    }
}
