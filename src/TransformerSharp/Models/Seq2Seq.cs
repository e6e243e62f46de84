using TorchSharp;
using static TorchSharp.torch;

namespace TransformerSharp.Models;

/// <summary>What a decoder carries from step to step: encoder outputs, lengths, caches. Reorder serves beam search.</summary>
public interface IDecoderState : IDisposable
{
    /// <summary>Keeps, for each row, the state of row indices[i].</summary>
    void Reorder(Tensor indices);
}

/// <summary>
/// D2L 10.6's encoder–decoder contract: teacher-forced logits for training, then step-by-step decoding for prediction
/// (encode once, then feed each chosen token back).
/// </summary>
public interface ISeq2SeqModel
{
    nn.Module Module { get; }
    /// <summary>source (batch, steps), validLens (batch), decoderInput (batch, T) → logits (batch, T, vocab).</summary>
    Tensor Logits(Tensor source, Tensor sourceValidLens, Tensor decoderInput);
    IDecoderState Start(Tensor source, Tensor sourceValidLens);
    /// <summary>lastTokens (batch, 1) → logits (batch, 1, vocab); advances the state.</summary>
    Tensor Step(Tensor lastTokens, IDecoderState state);
    /// <summary>Attention maps of the last call, for plots: name → (batch·heads or batch, queries, keys).</summary>
    IReadOnlyDictionary<string, Tensor> AttentionMaps { get; }
}

public static class Seq2Seq
{
    /// <summary>
    /// D2L 10.7's masked softmax cross-entropy: the mean over non-padding target positions. (The book's chapter-11
    /// runs train on the unmasked mean; padding would then count as something to predict.)
    /// </summary>
    public static Tensor MaskedLoss(Tensor logits, Tensor label, int padId, double labelSmoothing = 0.0)
    {
        using var scope = NewDisposeScope();
        Tensor perToken = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), label.reshape(-1),
                                                      reduction: nn.Reduction.None, label_smoothing: labelSmoothing);
        Tensor mask = label.reshape(-1).ne(padId).to(perToken.dtype);
        return ((perToken * mask).sum() / mask.sum().clamp_min(1)).MoveToOuterDisposeScope();
    }

    /// <summary>D2L's predict_step: greedy decoding of a batch for up to maxSteps tokens; rows stop at &lt;eos&gt;.</summary>
    public static List<int[]> Greedy(ISeq2SeqModel model, Tensor source, Tensor validLens, int bos, int eos, int maxSteps,
                                     Action<int, IReadOnlyDictionary<string, Tensor>>? onStep = null)
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
