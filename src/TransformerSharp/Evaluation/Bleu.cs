using System.Text;
using System.Text.RegularExpressions;

namespace TransformerSharp.Evaluation;

/// <summary>Corpus BLEU with its n-gram statistics, printed the way sacreBLEU prints it.</summary>
public sealed record BleuScore(double Score, double[] Precisions, double BrevityPenalty, long HypothesisLength, long ReferenceLength, int References)
{
    public string Signature => $"nrefs:{References}|case:mixed|eff:no|tok:13a|smooth:exp|version:TransformerSharp-1";
    public override string ToString() =>
        $"BLEU = {Score:F2} {string.Join('/', Precisions.Select(p => p.ToString("F1")))} (BP = {BrevityPenalty:F3} " +
        $"ratio = {(double)HypothesisLength / ReferenceLength:F3} hyp_len = {HypothesisLength} ref_len = {ReferenceLength})";
}

/// <summary>BLEU two ways: D2L's sentence-level bleu(pred, label, k), and corpus BLEU as sacreBLEU computes it by default.</summary>
public static class Bleu
{
    /// <summary>
    /// D2L 10.7.6: exp(min(0, 1 − len_label/len_pred)) · Πₙ pₙ^(1/2ⁿ) for n = 1..k, on space-separated tokens,
    /// with matches clipped by the label's counts.
    /// </summary>
    public static double D2L(string prediction, string label, int k)
    {
        string[] pred = prediction.Split(' '), lab = label.Split(' ');
        double score = Math.Exp(Math.Min(0, 1 - (double)lab.Length / pred.Length));
        for (int n = 1; n <= Math.Min(k, pred.Length); n++)
        {
            var available = NGrams(lab, n);
            int matches = 0;
            foreach (string gram in NGramSequence(pred, n))
                if (available.TryGetValue(gram, out int left) && left > 0) { matches++; available[gram] = left - 1; }
            score *= Math.Pow((double)matches / (pred.Length - n + 1), Math.Pow(0.5, n));
        }
        return score;
    }

    /// <summary>
    /// Corpus BLEU as sacreBLEU's defaults define it: 13a tokenisation, n-grams up to 4 clipped by the largest count in
    /// any reference, the reference length closest to each hypothesis (the shorter on ties), exponential smoothing of
    /// zero counts, brevity penalty over the corpus. <paramref name="references"/> holds one stream per reference.
    /// </summary>
    public static BleuScore Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> references)
    {
        if (references.Count == 0) throw new UserError("at least one reference stream is needed");
        foreach (var stream in references)
            if (stream.Count != hypotheses.Count)
                throw new UserError($"a reference stream has {stream.Count} segments but there are {hypotheses.Count} hypotheses");

        var correct = new long[4];
        var total = new long[4];
        long hypLength = 0, refLength = 0;
        for (int s = 0; s < hypotheses.Count; s++)
        {
            string[] hyp = Tokenize13a(hypotheses[s]).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var refs = references.Select(r => Tokenize13a(r[s]).Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
            hypLength += hyp.Length;
            refLength += refs.Select(r => r.Length).OrderBy(len => Math.Abs(len - hyp.Length)).ThenBy(len => len).First();
            for (int n = 1; n <= 4; n++)
            {
                var maxRef = new Dictionary<string, int>();
                foreach (var r in refs)
                    foreach (var (gram, count) in NGrams(r, n))
                        maxRef[gram] = Math.Max(maxRef.GetValueOrDefault(gram), count);
                foreach (var (gram, count) in NGrams(hyp, n))
                    correct[n - 1] += Math.Min(count, maxRef.GetValueOrDefault(gram));
                total[n - 1] += Math.Max(0, hyp.Length - n + 1);
            }
        }

        var precisions = new double[4];
        double smooth = 1;
        for (int n = 0; n < 4; n++)
        {
            if (total[n] == 0) break;
            if (correct[n] == 0) { smooth *= 2; precisions[n] = 100.0 / (smooth * total[n]); }
            else precisions[n] = 100.0 * correct[n] / total[n];
        }
        double bp = hypLength < refLength ? (hypLength > 0 ? Math.Exp(1 - (double)refLength / hypLength) : 0) : 1;
        double logSum = precisions.Sum(p => p > 0 ? Math.Log(p) : -9999999999.0);
        double score = bp * Math.Exp(logSum / 4);
        return new BleuScore(score, precisions, bp, hypLength, refLength, references.Count);
    }

    // mteval-v13a: punctuation and symbols become tokens; periods and commas too unless next to a digit; a dash after a digit.
    static readonly (Regex pattern, string replacement)[] Rules =
    {
        (new Regex(@"([\{-\~\[-\` -\&\(-\+\:-\@\/])", RegexOptions.Compiled), " $1 "),
        (new Regex(@"([^0-9])([\.,])", RegexOptions.Compiled), "$1 $2 "),
        (new Regex(@"([\.,])([^0-9])", RegexOptions.Compiled), " $1 $2"),
        (new Regex(@"([0-9])(-)", RegexOptions.Compiled), "$1 $2 "),
    };

    /// <summary>The 13a tokenizer of mteval-v13a.pl, as sacreBLEU implements it.</summary>
    public static string Tokenize13a(string line)
    {
        line = line.Replace("<skipped>", "").Replace("-\n", "").Replace("\n", " ");
        if (line.Contains('&')) line = line.Replace("&quot;", "\"").Replace("&amp;", "&").Replace("&lt;", "<").Replace("&gt;", ">");
        line = $" {line} ";
        foreach (var (pattern, replacement) in Rules) line = pattern.Replace(line, replacement);
        return string.Join(' ', line.Split(default(char[]), StringSplitOptions.RemoveEmptyEntries));
    }

    static IEnumerable<string> NGramSequence(string[] tokens, int n)
    {
        for (int i = 0; i + n <= tokens.Length; i++) yield return string.Join(' ', tokens, i, n);
    }

    static Dictionary<string, int> NGrams(string[] tokens, int n)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string gram in NGramSequence(tokens, n)) counts[gram] = counts.GetValueOrDefault(gram) + 1;
        return counts;
    }
}
