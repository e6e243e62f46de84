using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace TransformerSharp.Text;

/// <summary>
/// T5's vocabulary layout, whatever splits the text: &lt;pad&gt; = 0 (also the decoder's start), &lt;/s&gt; = 1,
/// &lt;unk&gt; = 2, then the pieces, then 100 sentinels at the end, &lt;extra_id_k&gt; = vocab_size − 1 − k. Subwords
/// learned here (<see cref="T5BpeTokenizer"/>) or T5's own SentencePiece model (<see cref="T5SentencePieceTokenizer"/>).
/// Encode does not append &lt;/s&gt;: the task decides where sequences end.
/// </summary>
public abstract class T5Tokenizer : ITokenizer
{
    public const string Pad = "<pad>", Eos = "</s>", Unk = "<unk>";
    public const int PadId = 0, EosId = 1, UnkId = 2, SentinelCount = 100;

    public static string Sentinel(int k) => $"<extra_id_{k}>";
    public int SentinelId(int k) => VocabSize - 1 - k;
    public bool IsSentinel(int id) => id >= VocabSize - SentinelCount && id < VocabSize;

    /// <summary>Learns up to <paramref name="merges"/> BPE merges from the texts (see <see cref="T5BpeTokenizer.Learn"/>).</summary>
    public static T5BpeTokenizer Learn(IEnumerable<string> texts, int merges) => T5BpeTokenizer.Learn(texts, merges);

    /// <summary>A source for the encoder: prefix + text, cut to maxLength − 1 ids (truncated says so), then &lt;/s&gt;.</summary>
    public int[] EncodeSource(string prefix, string text, int maxLength, out bool truncated)
    {
        int[] ids = Encode(prefix + text);
        truncated = ids.Length > maxLength - 1;
        return ids.Take(maxLength - 1).Append(EosId).ToArray();
    }

    public abstract string Kind { get; }
    public abstract int VocabSize { get; }
    public IReadOnlyDictionary<string, int> SpecialIds { get; } = new Dictionary<string, int> { [Pad] = PadId, [Eos] = EosId, [Unk] = UnkId };
    public abstract int[] Encode(string text);
    /// <summary>Text of the ids: padding and &lt;/s&gt; left out, sentinels written as &lt;extra_id_k&gt; words.</summary>
    public abstract string Decode(IEnumerable<int> ids);
    /// <summary>
    /// Whether a token ends a word (the special tokens and sentinels are words of their own); null for a tokenizer
    /// that marks where words start instead (SentencePiece), which a decoder cannot know until the next token.
    /// </summary>
    public virtual Func<int, bool>? EndsWord => null;
    public abstract JsonObject Describe();
}

/// <summary>
/// T5's layout over BPE subwords learned here (the project's learner), kind "t5-bpe". Speaker tags such as "#Person1#"
/// that open a word are tokens of their own, the rest of the word split as a word ("#Person2#'s" → "#Person2#", "'s"),
/// so that a tag has one id in dialogues ("#Person1#:") and in summaries ("#Person1#", "#Person1#'s").
/// </summary>
public sealed partial class T5BpeTokenizer : T5Tokenizer
{
    readonly SubwordVocabulary subwords;
    readonly Vocabulary vocabulary;
    readonly HashSet<string> tags;

    /// <param name="tags">the speaker tags that are tokens of their own (none in checkpoints made before tags were).</param>
    public T5BpeTokenizer(SubwordVocabulary subwords, IReadOnlyList<string> pieces, IReadOnlyList<string>? tags = null)
    {
        this.subwords = subwords;
        this.tags = new HashSet<string>(tags ?? Array.Empty<string>(), StringComparer.Ordinal);
        var tokens = new List<string> { Pad, Eos, Unk };
        tokens.AddRange(pieces.Where(p => p is not (Pad or Eos or Unk)));
        tokens.AddRange(Enumerable.Range(0, SentinelCount).Reverse().Select(Sentinel));
        vocabulary = new Vocabulary(tokens);
        foreach (string tag in this.tags)
            if (!vocabulary.Contains(TagPiece(tag))) throw new InvalidDataException($"the tokenizer's tag '{tag}' is not among its pieces");
    }

    /// <summary>
    /// Learns up to <paramref name="merges"/> BPE merges from the texts' whitespace-separated words, after taking the
    /// speaker tags that open words out of them.
    /// </summary>
    public static new T5BpeTokenizer Learn(IEnumerable<string> texts, int merges)
    {
        var wordLists = texts.Select(Words).ToList();
        var tags = wordLists.SelectMany(words => words).Select(TagAt).Where(m => m.Success)
                            .Select(m => m.Value).Distinct().Order(StringComparer.Ordinal).ToList();
        var tagSet = new HashSet<string>(tags, StringComparer.Ordinal);
        var sentences = wordLists.Select(words => words.SelectMany(w => SplitTag(w, tagSet)).ToList()).ToList();
        var learned = SubwordVocabulary.Learn(sentences.Select(s => s.Where(w => !w.IsTag).Select(w => w.Text)), merges);
        // The tags' characters stay in the alphabet: a tag the text never held ("#Person21#") is then split into pieces.
        var subwords = new SubwordVocabulary(learned.Merges, string.Concat(learned.Alphabet.Union(tags.SelectMany(t => t)).Order()));
        // The pieces the learned merges produce on the training words, most frequent first; then every other symbol the
        // merges can produce, so that a word of known characters never becomes <unk>.
        var pieces = new Vocabulary(sentences.Select(s => s.SelectMany(w => PiecesOf(w, subwords))), minFreq: 1, reserved: new[] { Unk }).Tokens.ToList();
        var seen = new HashSet<string>(pieces, StringComparer.Ordinal);
        pieces.AddRange(subwords.Symbols.Where(seen.Add));
        return new T5BpeTokenizer(subwords, pieces, tags);
    }

    public override string Kind => "t5-bpe";
    public override int VocabSize => vocabulary.Count;
    public SubwordVocabulary Subwords => subwords;
    public IReadOnlyCollection<string> Tags => tags;

    public override int[] Encode(string text) =>
        vocabulary.ToIds(Words(text).SelectMany(w => SplitTag(w, tags)).SelectMany(w => PiecesOf(w, subwords)));

    public override Func<int, bool>? EndsWord => id =>
        id is PadId or EosId or UnkId || IsSentinel(id) || vocabulary.ToToken(id).EndsWith(SubwordVocabulary.EndOfWord, StringComparison.Ordinal);

    /// <summary>The words the pieces make; what followed a tag in its word (punctuation, "'s") is joined back to it.</summary>
    public override string Decode(IEnumerable<int> ids)
    {
        var pieces = ids.Where(id => id is not (PadId or EosId))
                        .Select(id => IsSentinel(id) ? vocabulary.ToToken(id) + SubwordVocabulary.EndOfWord : vocabulary.ToToken(id)).ToList();
        string text = SubwordVocabulary.Join(pieces);
        return tags.Count == 0 ? text : TagThenPunctuation().Replace(text, m => tags.Contains(m.Groups[1].Value) ? m.Groups[1].Value : m.Value);
    }

    public override JsonObject Describe()
    {
        var description = new JsonObject
        {
            ["kind"] = Kind, ["merges"] = Tokenizers.Array(subwords.Merges), ["alphabet"] = subwords.Alphabet,
            ["pieces"] = Tokenizers.Array(vocabulary.Tokens.Skip(3).Take(VocabSize - 3 - SentinelCount)),
        };
        if (tags.Count > 0) description["tags"] = Tokenizers.Array(tags.Order(StringComparer.Ordinal));
        return description;
    }

    static string[] Words(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    static string TagPiece(string tag) => tag + SubwordVocabulary.EndOfWord;

    static string[] PiecesOf((string Text, bool IsTag) word, SubwordVocabulary subwords) =>
        word.IsTag ? new[] { TagPiece(word.Text) } : subwords.SplitWord(word.Text);

    /// <summary>A word opened by a known tag as the tag and the rest of the word (if any); any other word as it is.</summary>
    static IEnumerable<(string Text, bool IsTag)> SplitTag(string word, HashSet<string> known)
    {
        var match = TagAt(word);
        if (!match.Success || !known.Contains(match.Value)) { yield return (word, false); yield break; }
        yield return (match.Value, true);
        if (match.Length < word.Length) yield return (word[match.Length..], false);
    }

    static Match TagAt(string word) => word.StartsWith('#') ? TagPattern().Match(word) : Match.Empty;

    /// <summary>A speaker tag: '#', letters, optional digits, '#' (DialogSum's "#Person1#").</summary>
    const string Tag = "#[A-Za-z]+[0-9]*#";

    [GeneratedRegex("^" + Tag)]
    private static partial Regex TagPattern();

    /// <summary>A tag, then the space Join put before what followed it in its word.</summary>
    [GeneratedRegex("(" + Tag + ") (?=[:;,.!?'’])")]
    private static partial Regex TagThenPunctuation();
}
