using TorchSharp;
using TransformerSharp.Models.Translator;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Generation;

public static class GreedySearch
{
    /// <summary>
    /// D2L's predict_step: greedy decoding of a batch for up to maxSteps tokens; rows stop at &lt;eos&gt;.
    /// noRepeatNgram: Hugging Face's no_repeat_ngram_size (0: off), no n-gram of that size generated twice; of words
    /// when endsWord is given (<see cref="NoRepeatNgram"/>).
    /// </summary>
    public static List<int[]> Decode(ISeq2SeqModel model, Tensor source, Tensor validLens, int bos, int eos, int maxSteps,
                                     Action<int, IReadOnlyList<AttentionMap>>? onStep = null, int noRepeatNgram = 0, Func<int, bool>? endsWord = null)
    {
        model.Module.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        long batch = source.shape[0];
        using IDecoderState state = model.Start(source, validLens);
        Tensor last = Scalars.Filled(batch, 1, bos);
        var outputs = Enumerable.Range(0, (int)batch).Select(_ => new List<int>()).ToArray();
        var done = new bool[batch];
        for (int step = 0; step < maxSteps && !done.All(d => d); step++)
        {
            Tensor logits = model.Step(last, state);                                 // (batch, 1, vocab)
            onStep?.Invoke(step, model.AttentionMaps);
            long[] chosen = noRepeatNgram > 0 ? ArgmaxAllowed(logits, outputs, noRepeatNgram, endsWord) : logits.argmax(2).reshape(-1).data<long>().ToArray();
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

    /// <summary>Each row's best token among those that do not repeat an n-gram of its output so far.</summary>
    static long[] ArgmaxAllowed(Tensor logits, List<int>[] outputs, int n, Func<int, bool>? endsWord)
    {
        int vocab = (int)logits.shape[2];
        float[] values = logits.to(ScalarType.Float32).contiguous().data<float>().ToArray();
        var chosen = new long[outputs.Length];
        for (int b = 0; b < outputs.Length; b++)
        {
            var banned = NoRepeatNgram.Banned(outputs[b], n, endsWord);
            int best = -1;
            for (int v = 0; v < vocab; v++)
                if (!banned.Contains(v) && (best < 0 || values[b * vocab + v] > values[b * vocab + best])) best = v;
            chosen[b] = best;
        }
        return chosen;
    }
}
