using System.Text;

namespace TransformerSharp.Evaluation;

public sealed record RougeScore(double Precision, double Recall, double F)
{
    public static readonly RougeScore Zero = new(0, 0, 0);

    public static RougeScore Of(double precision, double recall) =>
        new(precision, recall, precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0);
}

/// <summary>Corpus ROUGE: per type, the mean over examples of precision, recall and F (fractions, not ×100).</summary>
public sealed record RougeCorpus(IReadOnlyDictionary<string, RougeScore> Mean, int Examples)
{
    /// <summary>"ROUGE-1 = 41.2345" and so on, F-measure ×100 with four decimals, one line per type.</summary>
    public IEnumerable<string> Lines() => Rouge.Types.Select(t => $"{Rouge.DisplayName(t)} = {Mean[t].F * 100:F4}");
}

/// <summary>
/// ROUGE as Google's rouge_score computes it. Text is lower-cased, every run of characters outside [a-z0-9] becomes
/// a space, and it is split on white space; with stem, tokens longer than three characters go through Porter's
/// stemmer. ROUGE-N: clipped n-gram overlap. ROUGE-L: one longest common subsequence over the whole text.
/// ROUGE-Lsum: sentences split on newlines, the union LCS of each reference sentence with every predicted one.
/// With several references, each type takes the reference with the best F (score_multi).
/// </summary>
public static class Rouge
{
    public static readonly string[] Types = { "rouge1", "rouge2", "rougeL", "rougeLsum" };

    public static string DisplayName(string type) => type switch
    {
        "rouge1" => "ROUGE-1", "rouge2" => "ROUGE-2", "rougeL" => "ROUGE-L", "rougeLsum" => "ROUGE-Lsum",
        _ => throw new ArgumentException($"unknown ROUGE type '{type}'"),
    };

    public static List<string> Tokenize(string text, bool stem)
    {
        var normal = new StringBuilder(text.Length);
        foreach (char c in text.ToLowerInvariant()) normal.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') ? c : ' ');
        var tokens = normal.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return tokens.Select(t => stem && t.Length > 3 ? PorterStemmer.Stem(t) : t).Where(t => t.Length > 0).ToList();
    }

    /// <summary>One prediction against one reference, every type.</summary>
    public static Dictionary<string, RougeScore> Score(string reference, string prediction, bool stem = false)
    {
        var r = Tokenize(reference, stem);
        var p = Tokenize(prediction, stem);
        return new Dictionary<string, RougeScore>
        {
            ["rouge1"] = NGrams(r, p, 1),
            ["rouge2"] = NGrams(r, p, 2),
            ["rougeL"] = Lcs(r, p),
            ["rougeLsum"] = SummaryLevelLcs(Sentences(reference, stem), Sentences(prediction, stem)),
        };
    }

    /// <summary>Against several references: per type, the score of the reference with the best F (the first on ties).</summary>
    public static Dictionary<string, RougeScore> ScoreMulti(IReadOnlyList<string> references, string prediction, bool stem = false)
    {
        if (references.Count == 0) throw new ArgumentException("at least one reference is needed");
        var scores = references.Select(r => Score(r, prediction, stem)).ToList();
        return Types.ToDictionary(t => t, t => scores.Aggregate((best, s) => s[t].F > best[t].F ? s : best)[t]);
    }

    /// <summary>The mean over examples of each example's best-reference score.</summary>
    public static RougeCorpus Corpus(IReadOnlyList<string> predictions, IReadOnlyList<IReadOnlyList<string>> references, bool stem = false) =>
        Corpus(PerExample(predictions, references, stem));

    /// <summary>Each example's best-reference score (score_multi), in order: what a corpus figure averages.</summary>
    public static List<Dictionary<string, RougeScore>> PerExample(IReadOnlyList<string> predictions, IReadOnlyList<IReadOnlyList<string>> references,
                                                                  bool stem = false)
    {
        if (predictions.Count != references.Count) throw new ArgumentException($"{predictions.Count} predictions but {references.Count} reference sets");
        if (predictions.Count == 0) throw new UserError("no examples to score");
        return predictions.Select((p, i) => ScoreMulti(references[i], p, stem)).ToList();
    }

    public static RougeCorpus Corpus(IReadOnlyList<Dictionary<string, RougeScore>> all) =>
        new RougeCorpus(Types.ToDictionary(t => t, t => new RougeScore(all.Average(s => s[t].Precision), all.Average(s => s[t].Recall),
                                                                             all.Average(s => s[t].F))), all.Count);

    static RougeScore NGrams(List<string> reference, List<string> prediction, int n)
    {
        var r = Counts(reference, n);
        var p = Counts(prediction, n);
        long overlap = r.Sum(kv => Math.Min(kv.Value, p.GetValueOrDefault(kv.Key)));
        return RougeScore.Of(overlap / (double)Math.Max(p.Values.Sum(), 1), overlap / (double)Math.Max(r.Values.Sum(), 1));
    }

    static Dictionary<string, int> Counts(List<string> tokens, int n)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i + n <= tokens.Count; i++)
        {
            string gram = string.Join(' ', tokens.Skip(i).Take(n));
            counts[gram] = counts.GetValueOrDefault(gram) + 1;
        }
        return counts;
    }

    static RougeScore Lcs(List<string> reference, List<string> prediction)
    {
        if (reference.Count == 0 || prediction.Count == 0) return RougeScore.Zero;
        int lcs = LcsTable(reference, prediction)[reference.Count, prediction.Count];
        return RougeScore.Of(lcs / (double)prediction.Count, lcs / (double)reference.Count);
    }

    static List<List<string>> Sentences(string text, bool stem) =>
        text.Split('\n').Where(s => s.Length > 0).Select(s => Tokenize(s, stem)).ToList();

    /// <summary>rouge_score's _summary_level_lcs: union LCS hits, each token counted at most as often as it occurs on both sides.</summary>
    static RougeScore SummaryLevelLcs(List<List<string>> reference, List<List<string>> prediction)
    {
        int m = reference.Sum(s => s.Count), n = prediction.Sum(s => s.Count);
        if (m == 0 || n == 0) return RougeScore.Zero;
        var referenceCounts = reference.SelectMany(s => s).GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());
        var predictionCounts = prediction.SelectMany(s => s).GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());
        int hits = 0;
        foreach (var sentence in reference)
        {
            var union = prediction.SelectMany(c => LcsIndices(sentence, c)).Distinct().Order();
            foreach (string token in union.Select(i => sentence[i]))
                if (predictionCounts.GetValueOrDefault(token) > 0 && referenceCounts.GetValueOrDefault(token) > 0)
                {
                    hits++;
                    predictionCounts[token]--;
                    referenceCounts[token]--;
                }
        }
        return RougeScore.Of(hits / (double)n, hits / (double)m);
    }

    static int[,] LcsTable(List<string> reference, List<string> candidate)
    {
        var table = new int[reference.Count + 1, candidate.Count + 1];
        for (int i = 1; i <= reference.Count; i++)
            for (int j = 1; j <= candidate.Count; j++)
                table[i, j] = reference[i - 1] == candidate[j - 1] ? table[i - 1, j - 1] + 1 : Math.Max(table[i - 1, j], table[i, j - 1]);
        return table;
    }

    /// <summary>Indices into the reference of one LCS, backtracked as rouge_score does (ties step back in the reference).</summary>
    static List<int> LcsIndices(List<string> reference, List<string> candidate)
    {
        var table = LcsTable(reference, candidate);
        var indices = new List<int>();
        int i = reference.Count, j = candidate.Count;
        while (i > 0 && j > 0)
        {
            if (reference[i - 1] == candidate[j - 1]) { indices.Add(i - 1); i--; j--; }
            else if (table[i, j - 1] > table[i - 1, j]) j--;
            else i--;
        }
        indices.Reverse();
        return indices;
    }
}
