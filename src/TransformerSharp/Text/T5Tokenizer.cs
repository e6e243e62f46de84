using System.Text.Json.Nodes;

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

/// <summary>T5's layout over BPE subwords learned here (the project's learner), kind "t5-bpe".</summary>
public sealed class T5BpeTokenizer : T5Tokenizer
{
    readonly SubwordVocabulary subwords;
    readonly Vocabulary vocabulary;

    public T5BpeTokenizer(SubwordVocabulary subwords, IReadOnlyList<string> pieces)
    {
        this.subwords = subwords;
        var tokens = new List<string> { Pad, Eos, Unk };
        tokens.AddRange(pieces.Where(p => p is not (Pad or Eos or Unk)));
        tokens.AddRange(Enumerable.Range(0, SentinelCount).Reverse().Select(Sentinel));
        vocabulary = new Vocabulary(tokens);
    }

    /// <summary>Learns up to <paramref name="merges"/> BPE merges from the texts' whitespace-separated words.</summary>
    public static new T5BpeTokenizer Learn(IEnumerable<string> texts, int merges)
    {
        var sentences = texts.Select(Words).ToList();
        var subwords = SubwordVocabulary.Learn(sentences, merges);
        // The pieces the learned merges produce on the training words, most frequent first; then every other symbol the
        // merges can produce, so that a word of known characters never becomes <unk> ("#Person1#" in a summary when
        // the dialogues only ever wrote "#Person1#:").
        var pieces = new Vocabulary(sentences.Select(subwords.Split), minFreq: 1, reserved: new[] { Unk }).Tokens.ToList();
        var seen = new HashSet<string>(pieces, StringComparer.Ordinal);
        pieces.AddRange(subwords.Symbols.Where(seen.Add));
        return new T5BpeTokenizer(subwords, pieces);
    }

    public override string Kind => "t5-bpe";
    public override int VocabSize => vocabulary.Count;
    public SubwordVocabulary Subwords => subwords;

    public override int[] Encode(string text) => vocabulary.ToIds(subwords.Split(Words(text)));

    public override Func<int, bool>? EndsWord => id =>
        id is PadId or EosId or UnkId || IsSentinel(id) || vocabulary.ToToken(id).EndsWith(SubwordVocabulary.EndOfWord, StringComparison.Ordinal);

    public override string Decode(IEnumerable<int> ids) =>
        SubwordVocabulary.Join(ids.Where(id => id is not (PadId or EosId)).Select(id => IsSentinel(id) ? vocabulary.ToToken(id) + SubwordVocabulary.EndOfWord : vocabulary.ToToken(id)));

    public override JsonObject Describe() => new()
    {
        ["kind"] = Kind, ["merges"] = Tokenizers.Array(subwords.Merges), ["alphabet"] = subwords.Alphabet,
        ["pieces"] = Tokenizers.Array(vocabulary.Tokens.Skip(3).Take(VocabSize - 3 - SentinelCount)),
    };

    static string[] Words(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
}
