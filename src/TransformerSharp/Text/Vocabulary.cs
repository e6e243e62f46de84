using System.Text.Json.Nodes;

namespace TransformerSharp.Text;

/// <summary>
/// D2L's word-level vocabulary (9.5): tokens seen at least minFreq times, plus reserved tokens. Ids: reserved tokens
/// first (in the order given), then by descending frequency, ties by ordinal order, so the same corpus always gives
/// the same ids. Unknown tokens map to &lt;unk&gt;. As a tokenizer, text is split on white space.
/// </summary>
public sealed class Vocabulary : ITokenizer
{
    public const string Pad = "<pad>", Bos = "<bos>", Eos = "<eos>", Unk = "<unk>";
    readonly string[] tokens;
    readonly Dictionary<string, int> ids;

    public Vocabulary(IEnumerable<IEnumerable<string>> sentences, int minFreq, IReadOnlyList<string> reserved)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var sentence in sentences)
            foreach (string token in sentence) counts[token] = counts.GetValueOrDefault(token) + 1;
        var ordered = reserved.Contains(Unk) ? reserved.ToList() : new[] { Unk }.Concat(reserved).ToList();
        ordered.AddRange(counts.Where(c => c.Value >= minFreq && !ordered.Contains(c.Key))
                               .OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Key));
        tokens = ordered.ToArray();
        ids = tokens.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i, StringComparer.Ordinal);
        SpecialIds = Specials();
    }

    /// <summary>Rebuilds a vocabulary from its token list (as stored in a checkpoint).</summary>
    public Vocabulary(IReadOnlyList<string> tokenList)
    {
        tokens = tokenList.ToArray();
        ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < tokens.Length; i++)
            if (!ids.TryAdd(tokens[i], i)) throw new InvalidDataException($"the vocabulary lists '{tokens[i]}' twice");
        if (!ids.ContainsKey(Unk)) throw new InvalidDataException("a vocabulary must contain <unk>");
        SpecialIds = Specials();
    }

    public string Kind => "words";
    public int Count => tokens.Length;
    public int VocabSize => tokens.Length;
    public IReadOnlyList<string> Tokens => tokens;
    /// <summary>Reserved tokens (written &lt;like-this&gt;) and their ids.</summary>
    public IReadOnlyDictionary<string, int> SpecialIds { get; }
    public int this[string token] => ids.TryGetValue(token, out int id) ? id : ids[Unk];
    public bool Contains(string token) => ids.ContainsKey(token);
    public string ToToken(int id) => id >= 0 && id < tokens.Length ? tokens[id] : throw new ArgumentOutOfRangeException(nameof(id), $"token id {id} is outside the vocabulary of {tokens.Length}");
    public int[] ToIds(IEnumerable<string> sentence) => sentence.Select(t => this[t]).ToArray();

    public int[] Encode(string text) => ToIds(text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    public string Decode(IEnumerable<int> tokenIds) => string.Join(' ', tokenIds.Select(ToToken));
    public JsonObject Describe() => new() { ["kind"] = Kind, ["tokens"] = Tokenizers.Array(tokens) };

    Dictionary<string, int> Specials() =>
        tokens.Select((t, i) => (t, i)).Where(p => p.t.Length > 2 && p.t[0] == '<' && p.t[^1] == '>').ToDictionary(p => p.t, p => p.i);
}
