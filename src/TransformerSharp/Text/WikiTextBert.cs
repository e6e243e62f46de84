using static TorchSharp.torch;

namespace TransformerSharp.Text;

/// <summary>One pretraining example: token ids, segments, masked positions and their labels, and the NSP label.</summary>
public sealed record BertExample(int[] Tokens, int[] Segments, int[] PredPositions, int[] MlmLabels, bool IsNext);

/// <summary>
/// D2L 15.9's pretraining data from WikiText-2: paragraphs with at least two sentences, lower-cased, split on " . ";
/// next-sentence pairs with 50% random next sentences; 15% of tokens masked by the 80/10/10 rule; max length 64;
/// vocabulary of words seen at least 5 times plus &lt;pad&gt; &lt;mask&gt; &lt;cls&gt; &lt;sep&gt;.
/// </summary>
public sealed class WikiTextBert
{
    public const string Mask = "<mask>", Cls = "<cls>", Sep = "<sep>";

    public WikiTextBert(IEnumerable<string> lines, int maxLength, int seed)
    {
        MaxLength = maxLength;
        var random = new Random(seed);
        var paragraphs = lines.Where(l => l.Split(" . ").Length >= 2)
                              .Select(l => l.Trim().ToLowerInvariant().Split(" . ")
                                           .Select(s => s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToList())
                              .OrderBy(_ => random.Next()).ToList();
        if (paragraphs.Count == 0) throw new InvalidDataException("no paragraph with at least two sentences (' . ' separated)");
        Vocab = new Vocabulary(paragraphs.SelectMany(p => p), 5, new[] { Vocabulary.Pad, Mask, Cls, Sep, Vocabulary.Unk });
        var pairs = new List<(string[] tokens, int[] segments, bool isNext)>();
        foreach (var paragraph in paragraphs)
            for (int i = 0; i + 1 < paragraph.Count; i++)
            {
                string[] a = paragraph[i], b = paragraph[i + 1];
                bool isNext = random.NextDouble() < 0.5;
                if (!isNext) { var other = paragraphs[random.Next(paragraphs.Count)]; b = other[random.Next(other.Count)]; }
                if (a.Length + b.Length + 3 > maxLength) continue;
                string[] tokens = new[] { Cls }.Concat(a).Append(Sep).Concat(b).Append(Sep).ToArray();
                int[] segments = Enumerable.Repeat(0, a.Length + 2).Concat(Enumerable.Repeat(1, b.Length + 1)).ToArray();
                pairs.Add((tokens, segments, isNext));
            }
        Examples = pairs.Select(p => Masked(p.tokens, p.segments, p.isNext, random)).ToList();
    }

    public int MaxLength { get; }
    public Vocabulary Vocab { get; }
    public List<BertExample> Examples { get; }
    public int MaxPredictions => (int)Math.Round(MaxLength * 0.15, MidpointRounding.ToEven);

    /// <summary>Masks max(1, round(15%)) of the non-special positions: 80% &lt;mask&gt;, 10% unchanged, 10% a random word.</summary>
    BertExample Masked(string[] tokens, int[] segments, bool isNext, Random random)
    {
        var candidates = Enumerable.Range(0, tokens.Length).Where(i => tokens[i] != Cls && tokens[i] != Sep).OrderBy(_ => random.Next()).ToList();
        int count = Math.Max(1, (int)Math.Round(tokens.Length * 0.15, MidpointRounding.ToEven));
        string[] input = (string[])tokens.Clone();
        var chosen = new List<int>();
        foreach (int position in candidates.Take(count))
        {
            double r = random.NextDouble();
            input[position] = r < 0.8 ? Mask : random.NextDouble() < 0.5 ? tokens[position] : Vocab.Tokens[random.Next(Vocab.Count)];
            chosen.Add(position);
        }
        chosen.Sort();
        return new BertExample(Vocab.ToIds(input), segments, chosen.ToArray(), chosen.Select(p => Vocab[tokens[p]]).ToArray(), isNext);
    }

    /// <summary>A padded batch: tokens, segments, valid lengths, prediction positions, their weights (0 for padding), labels, NSP labels.</summary>
    public (Tensor tokens, Tensor segments, Tensor validLens, Tensor positions, Tensor weights, Tensor labels, Tensor nsp) Batch(IReadOnlyList<int> indices)
    {
        int n = indices.Count, length = MaxLength, preds = MaxPredictions, pad = Vocab[Vocabulary.Pad];
        var tokens = new long[n * length];
        var segments = new long[n * length];
        var positions = new long[n * preds];
        var weights = new float[n * preds];
        var labels = new long[n * preds];
        var lens = new long[n];
        var nsp = new long[n];
        for (int b = 0; b < n; b++)
        {
            var e = Examples[indices[b]];
            for (int t = 0; t < length; t++)
            {
                tokens[b * length + t] = t < e.Tokens.Length ? e.Tokens[t] : pad;
                segments[b * length + t] = t < e.Segments.Length ? e.Segments[t] : 0;
            }
            for (int p = 0; p < Math.Min(preds, e.PredPositions.Length); p++)
            {
                positions[b * preds + p] = e.PredPositions[p];
                weights[b * preds + p] = 1;
                labels[b * preds + p] = e.MlmLabels[p];
            }
            lens[b] = e.Tokens.Length;
            nsp[b] = e.IsNext ? 1 : 0;
        }
        return (tensor(tokens).reshape(n, length), tensor(segments).reshape(n, length), tensor(lens), tensor(positions).reshape(n, preds),
                tensor(weights).reshape(n, preds), tensor(labels).reshape(n, preds), tensor(nsp));
    }
}
