using System.Text.Json;

namespace TransformerSharp.Text;

/// <summary>One DialogSum record: the dialogue (speaker tags and line breaks kept) and its reference summaries (three in the test split).</summary>
public sealed record Dialogue(string Id, string Text, IReadOnlyList<string> Summaries);

/// <summary>
/// DialogSum (Chen et al. 2021; CC BY-NC-SA 4.0): JSON lines with "dialogue" and "summary" (train, dev) or
/// "summary1"…"summary3" (test). Found through --data, else $TRANSFORMERSHARP_DIALOGSUM.
/// </summary>
public static class DialogSum
{
    public const string EnvironmentVariable = "TRANSFORMERSHARP_DIALOGSUM";
    public const string Source = "https://github.com/cylnlp/dialogsum (DialogSum_Data)";

    /// <summary>The DialogSum folder from --data, else the environment variable, else an error naming both.</summary>
    public static string Locate(string? path)
    {
        path ??= Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(path))
            throw new UserError($"no DialogSum data: pass --data DIR (the folder with dialogsum.train/dev/test jsonl files) or set ${EnvironmentVariable}; get it from {Source}");
        if (!Directory.Exists(path) && !File.Exists(path)) throw new DirectoryNotFoundException($"{path}: no such DialogSum folder or file");
        return path;
    }

    /// <summary>The file of a split ("train", "dev", "test") in a DialogSum folder: dialogsum.SPLIT.jsonl or dialogsum.SPLIT.*.jsonl.</summary>
    public static string SplitFile(string folder, string split)
    {
        if (File.Exists(folder)) return folder;
        var matches = Directory.GetFiles(folder, $"dialogsum.{split}*.jsonl").Order(StringComparer.Ordinal).ToList();
        return matches.Count > 0 ? matches[0]
            : throw new FileNotFoundException($"{folder}: no dialogsum.{split}.jsonl (DialogSum's {split} split) in this folder", Path.Combine(folder, $"dialogsum.{split}.jsonl"));
    }

    /// <summary>Every record of a jsonl file; a line that is empty, not JSON, or without a dialogue is an error naming the file and line.</summary>
    public static IReadOnlyList<Dialogue> Read(string path)
    {
        var dialogues = new List<Dialogue>();
        int number = 0;
        foreach (string line in TextFiles.ReadLinesUtf8(path))
        {
            number++;
            string where = $"{path}, line {number}";
            if (string.IsNullOrWhiteSpace(line)) throw new InvalidDataException($"{where}: empty line (each line must be one JSON object)");
            JsonElement record;
            try { record = JsonDocument.Parse(line).RootElement; }
            catch (JsonException e) { throw new InvalidDataException($"{where}: not JSON ({e.Message})"); }
            if (record.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{where}: not a JSON object");
            string? text = Field(record, "dialogue");
            if (string.IsNullOrWhiteSpace(text)) throw new InvalidDataException($"{where}: the record has no dialogue text");
            var summaries = new[] { "summary", "summary1", "summary2", "summary3" }.Select(k => Field(record, k))
                .Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s!.Trim()).ToList();
            dialogues.Add(new Dialogue(Field(record, "fname") ?? $"line {number}", text.Trim(), summaries));
        }
        if (dialogues.Count == 0) throw new InvalidDataException($"{path}: no dialogues in the file");
        return dialogues;
    }

    static string? Field(JsonElement record, string name) =>
        record.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>
    /// The first three utterances, or the three longest in dialogue order: the extractive baselines of the report.
    /// </summary>
    public static string Lead3(Dialogue d) => string.Join("\n", Utterances(d).Take(3));

    public static string Longest3(Dialogue d)
    {
        var utterances = Utterances(d);
        var chosen = utterances.Select((u, i) => (u, i)).OrderByDescending(p => p.u.Length).ThenBy(p => p.i).Take(3).OrderBy(p => p.i);
        return string.Join("\n", chosen.Select(p => p.u));
    }

    public static IReadOnlyList<string> Utterances(Dialogue d) =>
        d.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
