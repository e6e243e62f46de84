namespace TransformerSharp.Text;

/// <summary>
/// D2L's word-level vocabulary (9.5): tokens seen at least minFreq times, plus reserved tokens. Ids: reserved tokens
/// first (in the order given), then by descending frequency, ties by ordinal order, so the same corpus always gives
/// the same ids. Unknown tokens map to &lt;unk&gt;.
/// </summary>
public sealed class Vocabulary
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
    }

    /// <summary>Rebuilds a vocabulary from its token list (as stored in a checkpoint).</summary>
    public Vocabulary(IReadOnlyList<string> tokenList)
    {
        tokens = tokenList.ToArray();
        ids = tokens.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i, StringComparer.Ordinal);
        if (!ids.ContainsKey(Unk)) throw new ArgumentException("a vocabulary must contain <unk>");
    }

    public int Count => tokens.Length;
    public IReadOnlyList<string> Tokens => tokens;
    public int this[string token] => ids.TryGetValue(token, out int id) ? id : ids[Unk];
    public bool Contains(string token) => ids.ContainsKey(token);
    public string ToToken(int id) => id >= 0 && id < tokens.Length ? tokens[id] : throw new ArgumentOutOfRangeException(nameof(id), $"token id {id} is outside the vocabulary of {tokens.Length}");
    public int[] ToIds(IEnumerable<string> sentence) => sentence.Select(t => this[t]).ToArray();
}
