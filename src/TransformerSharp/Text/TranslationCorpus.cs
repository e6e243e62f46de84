using System.Text;
using static TorchSharp.torch;

namespace TransformerSharp.Text;

/// <summary>One English–French pair as D2L tokenises it, with its line in the file (1-based).</summary>
public sealed record SentencePair(string[] Source, string[] Target, int Line);

/// <summary>D2L 10.5's preparation of the Tatoeba English–French pairs.</summary>
public static class TranslationCorpus
{
    /// <summary>D2L's four test sentences and their references (D2L 10.7.6 / 11.7), as preprocessed text.</summary>
    public static readonly (string English, string French)[] BookExamples =
    {
        ("go .", "va !"), ("i lost .", "j'ai perdu ."), ("he's calm .", "il est calme ."), ("i'm home .", "je suis chez moi ."),
    };

    /// <summary>Narrow and non-breaking spaces become spaces, lower case (D2L's; lowerCase false keeps it), a space before , . ! ? when missing.</summary>
    public static string Preprocess(string text, bool lowerCase = true)
    {
        text = text.Replace('\u202f', ' ').Replace('\u00a0', ' ');
        var builder = new StringBuilder(text.Length + text.Length / 8);
        for (int i = 0; i < text.Length; i++)
        {
            char c = lowerCase ? char.ToLowerInvariant(text[i]) : text[i];
            if (i > 0 && ",.!?".Contains(c) && text[i - 1] != ' ') builder.Append(' ');
            builder.Append(c);
        }
        return builder.ToString();
    }

    /// <summary>
    /// French model output (preprocessed form) as a reader writes it, to compare with raw references as sacreBLEU
    /// does: no space before . and , (French keeps one before ! and ?), the first letter capitalised. Case inside
    /// the sentence (names such as "Tom") cannot be recovered and stays lower.
    /// </summary>
    public static string Postprocess(string preprocessed)
    {
        var builder = new StringBuilder(preprocessed.Length);
        foreach (string token in preprocessed.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (builder.Length > 0 && token is not ("." or "," or "...")) builder.Append(' ');
            builder.Append(token);
        }
        if (builder.Length > 0) builder[0] = char.ToUpperInvariant(builder[0]);
        return builder.ToString();
    }

    /// <summary>
    /// Splits text into pairs (preprocessed, as D2L trains on it, or raw); tokens split on spaces, &lt;eos&gt; appended. Lines without exactly two
    /// tab-separated fields are skipped and counted. maxLine copies D2L's loop, which stops after line index maxLine
    /// (so it reads maxLine + 1 lines: 641 for 512 + 128).
    /// </summary>
    public static (List<SentencePair> pairs, int skipped) Tokenize(string text, int? maxLine = null, string source = "the text")
    {
        var pairs = new List<SentencePair>();
        int skipped = 0;
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (maxLine is int max && i > max) break;
            string[] parts = lines[i].TrimEnd('\r').Split('\t');
            if (parts.Length != 2)
            {
                if (lines[i].Trim().Length > 0) skipped++;
                continue;
            }
            string[] Words(string s) => (s + " " + Vocabulary.Eos).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            pairs.Add(new SentencePair(Words(parts[0]), Words(parts[1]), i + 1));
        }
        if (pairs.Count == 0) throw new InvalidDataException($"{source}: no line of the form 'english<TAB>french' ({skipped} other lines skipped)");
        return (pairs, skipped);
    }

    /// <summary>Trims or pads to length with &lt;pad&gt;.</summary>
    public static string[] PadOrTrim(string[] tokens, int length) =>
        tokens.Length >= length ? tokens[..length] : tokens.Concat(Enumerable.Repeat(Vocabulary.Pad, length - tokens.Length)).ToArray();
}

/// <summary>
/// Pairs turned into id arrays: source padded or trimmed to numSteps with its valid length; target as &lt;bos&gt; +
/// padded target, so decoder input is [:-1] and label [1:] (teacher forcing).
/// </summary>
public sealed class TranslationData
{
    public TranslationData(IReadOnlyList<SentencePair> pairs, Vocabulary source, Vocabulary target, int numSteps)
    {
        Pairs = pairs;
        SourceVocab = source;
        TargetVocab = target;
        NumSteps = numSteps;
    }

    /// <summary>A translator's vocabularies without pairs (what a checkpoint restores).</summary>
    public static TranslationData FromTokenizers(ITokenizer source, ITokenizer target, int numSteps, bool lowerCase = true) => (source, target) switch
    {
        (Vocabulary s, Vocabulary t) => new TranslationData(Array.Empty<SentencePair>(), s, t, numSteps) { LowerCase = lowerCase },
        (SubwordTokenizer s, SubwordTokenizer t) => new TranslationData(Array.Empty<SentencePair>(), s.Pieces, t.Pieces, numSteps) { Subwords = s.Subwords, LowerCase = lowerCase },
        _ => throw new InvalidDataException($"a translator needs word or subword tokenizers, not {source.Kind} and {target.Kind}"),
    };

    /// <summary>The source side as a tokenizer: words, or subword pieces.</summary>
    public ITokenizer SourceTokenizer => Subwords is null ? SourceVocab : new SubwordTokenizer(Subwords, SourceVocab);
    public ITokenizer TargetTokenizer => Subwords is null ? TargetVocab : new SubwordTokenizer(Subwords, TargetVocab);

    public IReadOnlyList<SentencePair> Pairs { get; }
    /// <summary>With subwords, sentences are BPE pieces and source and target share one vocabulary.</summary>
    public SubwordVocabulary? Subwords { get; init; }
    /// <summary>Whether text is lower-cased before tokenising (D2L's preparation); false keeps names such as "Tom" as written.</summary>
    public bool LowerCase { get; init; } = true;
    public Vocabulary SourceVocab { get; }
    public Vocabulary TargetVocab { get; }
    public int NumSteps { get; }

    /// <summary>Tokens (words or subwords) as text: &lt;eos&gt; and padding dropped, subwords joined into words.</summary>
    public string Detokenize(IEnumerable<string> tokens)
    {
        var kept = tokens.Where(t => t != Vocabulary.Eos && t != Vocabulary.Pad);
        return Subwords is null ? string.Join(' ', kept) : SubwordVocabulary.Join(kept);
    }

    /// <summary>Builds vocabularies (min frequency 2) from the given pairs' padded sentences, as D2L does.</summary>
    public static (Vocabulary source, Vocabulary target) BuildVocabularies(IEnumerable<SentencePair> pairs, int numSteps, int minFreq = 2)
    {
        var reserved = new[] { Vocabulary.Pad, Vocabulary.Bos, Vocabulary.Eos, Vocabulary.Unk };
        var list = pairs.ToList();
        var source = new Vocabulary(list.Select(p => TranslationCorpus.PadOrTrim(p.Source, numSteps)), minFreq, reserved);
        var target = new Vocabulary(list.Select(p => new[] { Vocabulary.Bos }.Concat(TranslationCorpus.PadOrTrim(p.Target, numSteps))), minFreq, reserved);
        return (source, target);
    }

    /// <summary>
    /// (source, decoder input, source valid lengths, label) for the pairs at the given indices. With trim, the batch
    /// is only as long as its longest sentence (up to numSteps) rather than always numSteps: less padding to compute.
    /// </summary>
    public (Tensor source, Tensor decoderInput, Tensor sourceValidLens, Tensor label) Batch(IReadOnlyList<int> indices, bool trim = false)
    {
        int n = indices.Count;
        int steps = trim ? Math.Min(NumSteps, indices.Max(i => Math.Max(Pairs[i].Source.Length, Pairs[i].Target.Length))) : NumSteps;
        var src = new long[n * steps];
        var tgt = new long[n * (steps + 1)];
        var lens = new long[n];
        int pad = SourceVocab[Vocabulary.Pad];
        for (int b = 0; b < n; b++)
        {
            var pair = Pairs[indices[b]];
            int[] s = SourceVocab.ToIds(TranslationCorpus.PadOrTrim(pair.Source, steps));
            int[] t = TargetVocab.ToIds(new[] { Vocabulary.Bos }.Concat(TranslationCorpus.PadOrTrim(pair.Target, steps)));
            for (int i = 0; i < steps; i++) src[b * steps + i] = s[i];
            for (int i = 0; i <= steps; i++) tgt[b * (steps + 1) + i] = t[i];
            lens[b] = s.Count(id => id != pad);
        }
        Tensor target = tensor(tgt).reshape(n, steps + 1);
        return (tensor(src).reshape(n, steps), target[TensorIndex.Colon, TensorIndex.Slice(0, steps)].contiguous(),
                tensor(lens), target[TensorIndex.Colon, TensorIndex.Slice(1, null)].contiguous());
    }

    /// <summary>Source sentences (already preprocessed and tokenised) as a padded batch with valid lengths.</summary>
    public (Tensor source, Tensor validLens) EncodeSources(IReadOnlyList<string[]> sentences)
    {
        int n = sentences.Count;
        var src = new long[n * NumSteps];
        var lens = new long[n];
        for (int b = 0; b < n; b++)
        {
            string[] padded = TranslationCorpus.PadOrTrim(sentences[b], NumSteps);
            int[] ids = SourceVocab.ToIds(padded);
            Array.Copy(ids.Select(i => (long)i).ToArray(), 0, src, b * NumSteps, NumSteps);
            lens[b] = padded.Count(t => t != Vocabulary.Pad);
        }
        return (tensor(src).reshape(n, NumSteps), tensor(lens));
    }
}
