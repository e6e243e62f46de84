using TorchSharp;
using TransformerSharp.Models.Translator;
using static TorchSharp.torch;

namespace TransformerSharp.Generation;

/// <summary>
/// Beam search for one source sentence: keeps the k best partial translations by summed log-probability, finishes a
/// hypothesis at &lt;eos&gt;, and ranks finished ones by score / lp(length), with GNMT's length penalty
/// lp = ((5 + length) / 6)^alpha (alpha 0 ranks by raw log-probability, which favours short outputs).
/// rules: Hugging Face's no_repeat_ngram_size and repetition penalties, applied to the log-probabilities as it does.
/// </summary>
public static class BeamSearch
{
    /// <summary>GNMT's alpha, as Marian and OpenNMT use it.</summary>
    public const double DefaultLengthPenalty = 0.6;

    public static int[] Decode(ISeq2SeqModel model, Tensor source, Tensor validLens, int bos, int eos, int maxSteps, int beam, double alpha = DefaultLengthPenalty,
                               TokenRules? rules = null)
    {
        if (beam < 1) throw new UserError("beam size must be at least 1");
        rules ??= TokenRules.None;
        model.Module.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var sourceTokens = rules.UsesSource ? GreedySearch.SourceTokens(source, validLens)[0] : null;
        using IDecoderState state = model.Start(source.expand(beam, -1).contiguous(), validLens.expand(beam).contiguous());
        var hypotheses = new List<(List<int> tokens, double score)> { (new List<int>(), 0.0) };
        var finished = new List<(List<int> tokens, double score)>();
        double Penalty(int length) => Math.Pow((5.0 + length) / 6.0, alpha);

        for (int step = 0; step < maxSteps && hypotheses.Count > 0; step++)
        {
            using var stepScope = NewDisposeScope();
            int live = hypotheses.Count;
            long[] last = hypotheses.Select(h => (long)(h.tokens.Count == 0 ? bos : h.tokens[^1])).ToArray();
            // Rows beyond the live hypotheses repeat row 0; their outputs are ignored.
            long[] padded = Enumerable.Range(0, beam).Select(i => last[Math.Min(i, live - 1)]).ToArray();
            Tensor logProbs = model.Step(tensor(padded).reshape(beam, 1), state).log_softmax(-1)[TensorIndex.Colon, 0]; // (beam, vocab)
            float[] values = logProbs.to(ScalarType.Float32).contiguous().data<float>().ToArray();
            int vocab = (int)logProbs.shape[1];

            var candidates = new List<(int parent, int token, double score)>();
            for (int h = 0; h < live; h++)
            {
                rules.Apply(values.AsSpan(h * vocab, vocab), hypotheses[h].tokens, sourceTokens);
                // The best few tokens of each hypothesis are enough to fill the beam.
                foreach (int v in TopK(values.AsSpan(h * vocab, vocab), beam + 1)) candidates.Add((h, v, hypotheses[h].score + values[h * vocab + v]));
            }
            var next = new List<(List<int> tokens, double score)>();
            var parents = new List<long>();
            foreach (var c in candidates.OrderByDescending(c => c.score))
            {
                if (c.token == eos) finished.Add((hypotheses[c.parent].tokens, c.score));
                else if (next.Count < beam)
                {
                    next.Add((new List<int>(hypotheses[c.parent].tokens) { c.token }, c.score));
                    parents.Add(c.parent);
                }
                if (next.Count == beam && finished.Count >= beam) break;
            }
            hypotheses = next;
            if (hypotheses.Count == 0) break;
            // Stop when no live hypothesis can still beat the best finished one (log-probabilities only fall).
            if (finished.Count >= beam)
            {
                double bestFinished = finished.Max(f => f.score / Penalty(f.tokens.Count + 1));
                if (hypotheses.All(h => h.score / Penalty(maxSteps) < bestFinished)) break;
            }
            long[] order = Enumerable.Range(0, beam).Select(i => parents[Math.Min(i, parents.Count - 1)]).ToArray();
            state.Reorder(tensor(order));
        }
        finished.AddRange(hypotheses);
        return finished.OrderByDescending(f => f.score / Penalty(f.tokens.Count + 1)).First().tokens.ToArray();
    }

    /// <summary>Indices of the k largest values, best first (ties: the lower index), in one pass over the values.</summary>
    public static int[] TopK(ReadOnlySpan<float> values, int k)
    {
        k = Math.Min(k, values.Length);
        var best = new int[k];
        int count = 0;
        for (int v = 0; v < values.Length; v++)
        {
            if (count == k && !(values[v] > values[best[k - 1]])) continue;
            int i = count < k ? count++ : k - 1;
            while (i > 0 && values[v] > values[best[i - 1]]) { best[i] = best[i - 1]; i--; }
            best[i] = v;
        }
        return best;
    }
}
