using System.Text;
using System.Text.Json.Nodes;
using Microsoft.ML.Tokenizers;

namespace TransformerSharp.Text;

/// <summary>
/// Text → ids → text, the one interface of every tokenizer: characters, GPT-2's byte-level BPE, D2L's word
/// vocabularies, subword BPE, WordPiece, and the few-shot task's substitution tokens. Describe() is what a checkpoint
/// stores to rebuild it (<see cref="Tokenizers.Restore"/>).
/// </summary>
public interface ITokenizer
{
    /// <summary>"char", "gpt2", "words", "bpe", "t5-bpe", "t5-sentencepiece", "wordpiece" or "substitution": the key Restore reads.</summary>
    string Kind { get; }
    int VocabSize { get; }
    int[] Encode(string text);
    string Decode(IEnumerable<int> ids);
    /// <summary>The special tokens this tokenizer has (padding, begin/end of sequence, unknown, …) and their ids.</summary>
    IReadOnlyDictionary<string, int> SpecialIds { get; }
    /// <summary>Everything needed to rebuild it, with "kind" first.</summary>
    JsonObject Describe();
}

public static class Tokenizers
{
    /// <summary>A tokenizer for a language model trained on this text: its characters, or GPT-2's BPE.</summary>
    public static ITokenizer Create(string kind, string trainingText) => kind switch
    {
        "char" => CharTokenizer.FromText(trainingText),
        "gpt2" => new Gpt2Tokenizer(),
        _ => throw new UserError($"unknown tokenizer '{kind}': use char or gpt2"),
    };

    /// <summary>Rebuilds a tokenizer from its Describe().</summary>
    public static ITokenizer Restore(JsonObject? description, string source)
    {
        string Text(string key) => description?[key]?.GetValue<string>() ?? throw new InvalidDataException($"{source}: the tokenizer has no '{key}'");
        List<string> List(string key) => description?[key]?.AsArray().Select(t => t!.GetValue<string>()).ToList()
                                         ?? throw new InvalidDataException($"{source}: the tokenizer has no '{key}'");
        try { return Build(); }
        catch (InvalidDataException e) when (!e.Message.StartsWith(source, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }

        ITokenizer Build() => Text("kind") switch
        {
            "char" => new CharTokenizer(Text("characters")),
            "gpt2" => new Gpt2Tokenizer(),
            "substitution" => new SubstitutionTokenizer(),
            "words" => new Vocabulary(List("tokens")),
            "bpe" => new SubwordTokenizer(new SubwordVocabulary(List("merges"), Text("alphabet")), new Vocabulary(List("tokens"))),
            "t5-bpe" => new T5BpeTokenizer(new SubwordVocabulary(List("merges"), Text("alphabet")), List("pieces"), description!.ContainsKey("tags") ? List("tags") : null),
            "t5-sentencepiece" => new T5SentencePieceTokenizer(Convert.FromBase64String(Text("model")), source),
            "wordpiece" => new BertWordPiece(List("tokens"), description!["lower_case"]?.GetValue<bool>() ?? true),
            string other => throw new InvalidDataException($"{source}: unknown tokenizer '{other}'"),
        };
    }

    internal static JsonArray Array(IEnumerable<string> items) => new(items.Select(t => (JsonNode)t).ToArray());
}

/// <summary>Character-level vocabulary built from a corpus: one id per distinct character (per Unicode scalar), sorted.</summary>
public sealed class CharTokenizer : ITokenizer
{
    readonly string[] symbols;
    readonly Dictionary<string, int> ids;

    public CharTokenizer(string vocabulary)
    {
        symbols = Elements(vocabulary).ToArray();
        ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < symbols.Length; i++)
            if (!ids.TryAdd(symbols[i], i)) throw new ArgumentException($"character '{symbols[i]}' appears twice in the vocabulary");
        if (symbols.Length == 0) throw new ArgumentException("a character vocabulary needs at least one character");
    }

    public static CharTokenizer FromText(string text)
    {
        var distinct = Elements(text).Distinct(StringComparer.Ordinal).OrderBy(s => s, StringComparer.Ordinal);
        return new CharTokenizer(string.Concat(distinct));
    }

    public string Kind => "char";
    public int VocabSize => symbols.Length;
    public IReadOnlyDictionary<string, int> SpecialIds { get; } = new Dictionary<string, int>();
    public JsonObject Describe() => new() { ["kind"] = Kind, ["characters"] = string.Concat(symbols) };

    public int[] Encode(string text)
    {
        var result = new List<int>(text.Length);
        int position = 0;
        foreach (string symbol in Elements(text))
        {
            if (!ids.TryGetValue(symbol, out int id))
                throw new UserError($"character '{Printable(symbol)}' at position {position} is not in this model's vocabulary " +
                                            $"of {symbols.Length} characters (it was built from the training text)");
            result.Add(id);
            position += symbol.Length;
        }
        return result.ToArray();
    }

    public string Decode(IEnumerable<int> tokenIds)
    {
        var builder = new StringBuilder();
        foreach (int id in tokenIds)
        {
            if (id < 0 || id >= symbols.Length) throw new ArgumentOutOfRangeException(nameof(tokenIds), $"token id {id} is outside the vocabulary of {symbols.Length}");
            builder.Append(symbols[id]);
        }
        return builder.ToString();
    }

    static IEnumerable<string> Elements(string text)
    {
        for (int i = 0; i < text.Length; i += char.IsSurrogatePair(text, i) ? 2 : 1)
            yield return char.IsSurrogatePair(text, i) ? text.Substring(i, 2) : text[i].ToString();
    }

    static string Printable(string symbol) => symbol switch { "\n" => "\\n", "\t" => "\\t", "\r" => "\\r", _ => symbol };
}

/// <summary>GPT-2's byte-level BPE (50,257 tokens) through Microsoft.ML.Tokenizers and its GPT-2 data package.</summary>
public sealed class Gpt2Tokenizer : ITokenizer
{
    static readonly Lazy<Tokenizer> Shared = new(() => TiktokenTokenizer.CreateForModel("gpt2"));

    public string Kind => "gpt2";
    public int VocabSize => 50257;
    public IReadOnlyDictionary<string, int> SpecialIds { get; } = new Dictionary<string, int> { ["<|endoftext|>"] = 50256 };
    public JsonObject Describe() => new() { ["kind"] = Kind };
    public int[] Encode(string text) => Shared.Value.EncodeToIds(text).ToArray();
    public string Decode(IEnumerable<int> ids) => Shared.Value.Decode(ids) ?? "";
}
