namespace TransformerSharp.Generation;

/// <summary>
/// Hugging Face's no_repeat_ngram_size: the tokens that would complete an n-gram already in the output. Counted in
/// tokens, as Hugging Face does, or in words: a subword tokenizer splits a word such as "#Person2#" into several
/// tokens, and token n-grams then forbid writing that word a second time; word n-grams forbid only repeated phrases.
/// </summary>
public static class NoRepeatNgram
{
    /// <summary>Token n-grams (Hugging Face's no_repeat_ngram_size).</summary>
    public static HashSet<int> Banned(IReadOnlyList<int> tokens, int n) => Banned(tokens, n, endsWord: null);

    /// <summary>
    /// With <paramref name="endsWord"/> (true for a token that ends a word), n-grams of words: a token is banned when it
    /// would end a word that, after the last n − 1 whole words, repeats an n-gram of words already written.
    /// </summary>
    public static HashSet<int> Banned(IReadOnlyList<int> tokens, int n, Func<int, bool>? endsWord)
    {
        var banned = new HashSet<int>();
        if (n <= 0) return banned;
        if (endsWord is null) return BannedTokens(tokens, n, banned);
        var words = new List<(int start, int length)>();
        int wordStart = 0;
        for (int i = 0; i < tokens.Count; i++)
            if (endsWord(tokens[i])) { words.Add((wordStart, i + 1 - wordStart)); wordStart = i + 1; }
        int partial = tokens.Count - wordStart, whole = words.Count;
        if (whole < n - 1) return banned;
        bool SameWord((int start, int length) a, (int start, int length) b) =>
            a.length == b.length && Enumerable.Range(0, a.length).All(j => tokens[a.start + j] == tokens[b.start + j]);
        for (int i = 0; i + n - 1 < whole; i++)
        {
            bool same = true;
            for (int j = 0; j < n - 1 && same; j++) same = SameWord(words[i + j], words[whole - (n - 1) + j]);
            var next = words[i + n - 1];
            // The earlier n-th word is banned by its last token, once the partial word matches the rest of it.
            if (!same || next.length != partial + 1) continue;
            bool prefix = Enumerable.Range(0, partial).All(j => tokens[next.start + j] == tokens[wordStart + j]);
            if (prefix) banned.Add(tokens[next.start + partial]);
        }
        return banned;
    }

    static HashSet<int> BannedTokens(IReadOnlyList<int> tokens, int n, HashSet<int> banned)
    {
        if (tokens.Count < n - 1) return banned;
        int prefixStart = tokens.Count - (n - 1);
        for (int i = 0; i + n <= tokens.Count; i++)
        {
            bool same = true;
            for (int j = 0; j < n - 1 && same; j++) same = tokens[i + j] == tokens[prefixStart + j];
            if (same) banned.Add(tokens[i + n - 1]);
        }
        return banned;
    }
}
