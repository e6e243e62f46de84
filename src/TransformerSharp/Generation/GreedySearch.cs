using TorchSharp;
using TransformerSharp.Models.Translator;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Generation;

public static class GreedySearch
{
    /// <summary>
    /// D2L's predict_step: greedy decoding of a batch for up to maxSteps tokens; rows stop at &lt;eos&gt;.
    /// rules: Hugging Face's no_repeat_ngram_size and repetition penalties (<see cref="TokenRules"/>; none by default).
    /// </summary>
    public static List<int[]> Decode(ISeq2SeqModel model, Tensor source, Tensor validLens, int bos, int eos, int maxSteps,
                                     Action<int, IReadOnlyList<AttentionMap>>? onStep = null, TokenRules? rules = null)
    {
        rules ??= TokenRules.None;
        model.Module.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        long batch = source.shape[0];
        using IDecoderState state = model.Start(source, validLens);
        Tensor last = Scalars.Filled(batch, 1, bos);
        var outputs = Enumerable.Range(0, (int)batch).Select(_ => new List<int>()).ToArray();
        var done = new bool[batch];
        var sources = rules.UsesSource ? SourceTokens(source, validLens) : null;
        for (int step = 0; step < maxSteps && !done.All(d => d); step++)
        {
            Tensor logits = model.Step(last, state);                                 // (batch, 1, vocab)
            onStep?.Invoke(step, model.AttentionMaps);
            long[] chosen = rules.Active ? ArgmaxAfterRules(logits, outputs, rules, sources) : logits.argmax(2).reshape(-1).data<long>().ToArray();
            last = tensor(chosen).reshape(batch, 1);                                 // (batch, 1)
            for (int b = 0; b < batch; b++)
            {
                if (done[b]) continue;
                if (chosen[b] == eos) { done[b] = true; continue; }
                outputs[b].Add((int)chosen[b]);
            }
        }
        return outputs.Select(o => o.ToArray()).ToList();
    }

    /// <summary>Each row's best token once the rules have adjusted its logits.</summary>
    static long[] ArgmaxAfterRules(Tensor logits, List<int>[] outputs, TokenRules rules, HashSet<int>[]? sources)
    {
        int vocab = (int)logits.shape[2];
        float[] values = logits.to(ScalarType.Float32).contiguous().data<float>().ToArray();
        var chosen = new long[outputs.Length];
        for (int b = 0; b < outputs.Length; b++)
        {
            var row = values.AsSpan(b * vocab, vocab);
            rules.Apply(row, outputs[b], sources?[b]);
            int best = 0;
            for (int v = 1; v < vocab; v++)
                if (row[v] > row[best]) best = v;
            chosen[b] = best;
        }
        return chosen;
    }

    /// <summary>Each row's source tokens, its padding left out.</summary>
    public static HashSet<int>[] SourceTokens(Tensor source, Tensor validLens)
    {
        long[] ids = source.to(ScalarType.Int64).contiguous().data<long>().ToArray();
        long[] lens = validLens.to(ScalarType.Int64).data<long>().ToArray();
        int width = (int)source.shape[1];
        return Enumerable.Range(0, lens.Length).Select(b => ids.Skip(b * width).Take((int)lens[b]).Select(t => (int)t).ToHashSet()).ToArray();
    }
}
