using System.Text;
using Microsoft.ML.Tokenizers;

namespace TransformerSharp.Text;

/// <summary>Turns text into token ids and back. Describe() gives what a checkpoint must store to rebuild it.</summary>
public interface ITextTokenizer
{
    string Kind { get; }
    int VocabSize { get; }
    int[] Encode(string text);
    string Decode(IEnumerable<int> ids);
    /// <summary>The tokenizer's state as a string (the vocabulary for characters, nothing for GPT-2).</summary>
    string Describe();
}

public static class TextTokenizers
{
    public static ITextTokenizer Create(string kind, string trainingText) => kind switch
    {
        "char" => CharTokenizer.FromText(trainingText),
        "gpt2" => new Gpt2Tokenizer(),
        _ => throw new ArgumentException($"unknown tokenizer '{kind}': use char or gpt2"),
    };

    /// <summary>Rebuilds a tokenizer from a checkpoint's Kind and Describe().</summary>
    public static ITextTokenizer Restore(string kind, string description) => kind switch
    {
        "char" => new CharTokenizer(description),
        "gpt2" => new Gpt2Tokenizer(),
        "substitution" => new Evaluation.SubstitutionTokenizer(),
        _ => throw new InvalidDataException($"the checkpoint names an unknown tokenizer '{kind}'"),
    };
}

/// <summary>Character-level vocabulary built from a corpus: one id per distinct character (per Unicode scalar), sorted.</summary>
public sealed class CharTokenizer : ITextTokenizer
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
    public string Describe() => string.Concat(symbols);

    public int[] Encode(string text)
    {
        var result = new List<int>(text.Length);
        int position = 0;
        foreach (string symbol in Elements(text))
        {
            if (!ids.TryGetValue(symbol, out int id))
                throw new ArgumentException($"character '{Printable(symbol)}' at position {position} is not in this model's vocabulary " +
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
public sealed class Gpt2Tokenizer : ITextTokenizer
{
    static readonly Lazy<Tokenizer> Shared = new(() => TiktokenTokenizer.CreateForModel("gpt2"));

    public string Kind => "gpt2";
    public int VocabSize => 50257;
    public string Describe() => "";
    public int[] Encode(string text) => Shared.Value.EncodeToIds(text).ToArray();
    public string Decode(IEnumerable<int> ids) => Shared.Value.Decode(ids) ?? "";
}
