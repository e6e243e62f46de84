using TorchSharp;
using TransformerSharp.Models.Translator;
using static TorchSharp.torch;

namespace TransformerSharp.Generation;

public static class GreedySearch
{
    /// <summary>D2L's predict_step: greedy decoding of a batch for up to maxSteps tokens; rows stop at &lt;eos&gt;.</summary>
    public static List<int[]> Decode(ISeq2SeqModel model, Tensor source, Tensor validLens, int bos, int eos, int maxSteps,
                                     Action<int, IReadOnlyList<AttentionMap>>? onStep = null)
    {
        model.Module.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        long batch = source.shape[0];
        using IDecoderState state = model.Start(source, validLens);
        Tensor last = full(batch, 1, bos, ScalarType.Int64);
        var outputs = Enumerable.Range(0, (int)batch).Select(_ => new List<int>()).ToArray();
        var done = new bool[batch];
        for (int step = 0; step < maxSteps && !done.All(d => d); step++)
        {
            Tensor logits = model.Step(last, state);                                 // (batch, 1, vocab)
            onStep?.Invoke(step, model.AttentionMaps);
            last = logits.argmax(2);                                                 // (batch, 1)
            long[] chosen = last.reshape(-1).data<long>().ToArray();
            for (int b = 0; b < batch; b++)
            {
                if (done[b]) continue;
                if (chosen[b] == eos) { done[b] = true; continue; }
                outputs[b].Add((int)chosen[b]);
            }
        }
        return outputs.Select(o => o.ToArray()).ToList();
    }
}
