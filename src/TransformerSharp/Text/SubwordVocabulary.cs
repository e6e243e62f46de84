using Microsoft.ML.Tokenizers;

namespace TransformerSharp.Text;

/// <summary>
/// Byte-pair encoding over words (Sennrich et al. 2016): merges are learned here from word counts, then applied by
/// Microsoft.ML.Tokenizers' BpeTokenizer. Words end with "&lt;/w&gt;" so a translation can be joined back into words.
/// One model serves English and French together, so the two sides share one vocabulary (and can share embeddings).
/// </summary>
public sealed class SubwordVocabulary
{
    public const string EndOfWord = "</w>";
    readonly Tokenizer tokenizer;
    readonly Dictionary<string, string[]> cache = new(StringComparer.Ordinal);

    /// <param name="alphabet">every character of the training words: characters outside it become &lt;unk&gt;.</param>
    public SubwordVocabulary(IReadOnlyList<string> merges, string alphabet)
    {
        Merges = merges;
        Alphabet = alphabet;
        // The tokenizer's symbol table: every single character seen in the merges (word-final or not) and every merge result.
        var symbols = new List<string> { Vocabulary.Unk };
        var seen = new HashSet<string>(symbols, StringComparer.Ordinal);
        void Add(string s) { if (seen.Add(s)) symbols.Add(s); }
        foreach (string merge in merges)
        {
            string[] parts = merge.Split(' ');
            foreach (string part in parts) foreach (string unit in Units(part)) Add(unit);
            Add(parts[0] + parts[1]);
        }
        foreach (char c in alphabet) { Add(c.ToString()); Add(c + EndOfWord); }
        Symbols = symbols;
        tokenizer = BpeTokenizer.Create(new BpeOptions(symbols.Select((s, i) => new KeyValuePair<string, int>(s, i)))
        {
            Merges = merges, EndOfWordSuffix = EndOfWord, UnknownToken = Vocabulary.Unk,
            // Words arrive one at a time; the default pre-tokenizer would also split them at apostrophes and hyphens.
            PreTokenizer = PreTokenizer.CreateWhiteSpace(),
        });
    }

    public IReadOnlyList<string> Merges { get; }
    public string Alphabet { get; }
    /// <summary>Every symbol the merges can produce: &lt;unk&gt;, each merge's parts and result, each character with and without the end-of-word mark.</summary>
    public IReadOnlyList<string> Symbols { get; }

    /// <summary>Learns up to <paramref name="mergeCount"/> merges from the words of the given sentences.</summary>
    public static SubwordVocabulary Learn(IEnumerable<IEnumerable<string>> sentences, int mergeCount)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var sentence in sentences)
            foreach (string word in sentence)
                if (word != Vocabulary.Eos && word != Vocabulary.Pad) counts[word] = counts.GetValueOrDefault(word) + 1;
        var words = counts.Select(c => (symbols: Units(c.Key + EndOfWord).ToList(), count: c.Value)).ToList();

        // Pair counts, and which words hold each pair, updated incrementally after each merge.
        var pairCounts = new Dictionary<(string, string), long>();
        var where = new Dictionary<(string, string), HashSet<int>>();
        void CountWord(int w, int sign)
        {
            var s = words[w].symbols;
            for (int i = 0; i + 1 < s.Count; i++)
            {
                var pair = (s[i], s[i + 1]);
                pairCounts[pair] = pairCounts.GetValueOrDefault(pair) + sign * words[w].count;
                if (sign > 0) { if (!where.TryGetValue(pair, out var set)) where[pair] = set = new HashSet<int>(); set.Add(w); }
            }
        }
        for (int w = 0; w < words.Count; w++) CountWord(w, +1);

        var merges = new List<string>();
        while (merges.Count < mergeCount)
        {
            // The most frequent pair (ties broken by ordinal order, so the result is reproducible).
            (string, string)? best = null;
            long bestCount = 1;
            foreach (var (pair, count) in pairCounts)
                if (count > bestCount || (count == bestCount && best is { } current && Compare(pair, current) < 0))
                    (best, bestCount) = (pair, count);
            if (best is not (string a, string b)) break;
            merges.Add($"{a} {b}");
            foreach (int w in where[(a, b)].ToList())
            {
                CountWord(w, -1);
                var s = words[w].symbols;
                for (int i = 0; i + 1 < s.Count; i++)
                    if (s[i] == a && s[i + 1] == b) { s[i] = a + b; s.RemoveAt(i + 1); }
                CountWord(w, +1);
            }
            pairCounts.Remove((a, b));
        }
        string alphabet = string.Concat(counts.Keys.SelectMany(w => w).Distinct().OrderBy(c => c));
        return new SubwordVocabulary(merges, alphabet);
    }

    static int Compare((string, string) x, (string, string) y)
    {
        int first = string.CompareOrdinal(x.Item1, y.Item1);
        return first != 0 ? first : string.CompareOrdinal(x.Item2, y.Item2);
    }

    /// <summary>Splits a word-level sentence into subwords; &lt;eos&gt; and other reserved tokens pass through.</summary>
    public string[] Split(IEnumerable<string> words) => words.SelectMany(SplitWord).ToArray();

    /// <summary>One word's subwords; a reserved token passes through.</summary>
    public string[] SplitWord(string word)
    {
        if (word.StartsWith('<') && word.EndsWith('>')) return new[] { word };
        if (cache.TryGetValue(word, out var pieces)) return pieces;
        pieces = tokenizer.EncodeToTokens(word, out _).Select(t => t.Value).ToArray();
        if (cache.Count < 200_000) cache[word] = pieces;
        return pieces;
    }

    /// <summary>Joins subwords back into space-separated words.</summary>
    public static string Join(IEnumerable<string> pieces) =>
        string.Concat(pieces.Select(p => p.EndsWith(EndOfWord, StringComparison.Ordinal) ? p[..^EndOfWord.Length] + " " : p)).TrimEnd();

    /// <summary>A word's characters, the last carrying the end-of-word marker if the word has it.</summary>
    static IEnumerable<string> Units(string symbol)
    {
        bool final = symbol.EndsWith(EndOfWord, StringComparison.Ordinal);
        string body = final ? symbol[..^EndOfWord.Length] : symbol;
        for (int i = 0; i < body.Length; i++)
            yield return i == body.Length - 1 && final ? body[i] + EndOfWord : body[i].ToString();
    }
}

/// <summary>
/// Subword tokenizer: words split into BPE pieces by <see cref="SubwordVocabulary"/>, pieces numbered by a
/// <see cref="Vocabulary"/> of the training split's pieces.
/// </summary>
public sealed class SubwordTokenizer(SubwordVocabulary subwords, Vocabulary pieces) : ITokenizer
{
    public SubwordVocabulary Subwords => subwords;
    public Vocabulary Pieces => pieces;
    public string Kind => "bpe";
    public int VocabSize => pieces.Count;
    public IReadOnlyDictionary<string, int> SpecialIds => pieces.SpecialIds;
    public int[] Encode(string text) => pieces.ToIds(subwords.Split(text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));
    public string Decode(IEnumerable<int> ids) => SubwordVocabulary.Join(ids.Select(pieces.ToToken));
    public System.Text.Json.Nodes.JsonObject Describe() => new()
    {
        ["kind"] = Kind, ["merges"] = Tokenizers.Array(subwords.Merges), ["alphabet"] = subwords.Alphabet, ["tokens"] = Tokenizers.Array(pieces.Tokens),
    };
}
