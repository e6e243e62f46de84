using TorchSharp;
using TransformerSharp.Models.Translator;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Training;

/// <summary>
/// Token-id pairs made into a teacher-forced batch, T5's way: sources and targets padded with id 0, the decoder's
/// input the target shifted right behind the start token, the loss masked to real target tokens.
/// </summary>
public static class Seq2SeqBatches
{
    /// <summary>
    /// sources (batch, longest source), validLens (batch), decoderInput and labels (batch, longest target); both
    /// lengths rounded up to <see cref="MatmulPrecision.PadToMultipleOf"/>.
    /// </summary>
    public static (Tensor source, Tensor validLens, Tensor decoderInput, Tensor labels) Make(IReadOnlyList<(int[] source, int[] target)> pairs,
                                                                                            int padId, int startId)
    {
        int multiple = MatmulPrecision.PadToMultipleOf;
        int sourceLength = RoundUp(pairs.Max(p => p.source.Length), multiple), targetLength = RoundUp(pairs.Max(p => p.target.Length), multiple);
        var source = new long[pairs.Count * sourceLength];
        var labels = new long[pairs.Count * targetLength];
        var decoderInput = new long[pairs.Count * targetLength];
        var lens = new long[pairs.Count];
        Array.Fill(source, padId);
        Array.Fill(labels, padId);
        Array.Fill(decoderInput, padId);
        for (int b = 0; b < pairs.Count; b++)
        {
            var (s, t) = pairs[b];
            for (int i = 0; i < s.Length; i++) source[b * sourceLength + i] = s[i];
            for (int i = 0; i < t.Length; i++)
            {
                labels[b * targetLength + i] = t[i];
                decoderInput[b * targetLength + i] = i == 0 ? startId : t[i - 1];
            }
            lens[b] = s.Length;
        }
        return (tensor(source, new long[] { pairs.Count, sourceLength }), tensor(lens),
                tensor(decoderInput, new long[] { pairs.Count, targetLength }), tensor(labels, new long[] { pairs.Count, targetLength }));
    }

    static int RoundUp(int length, int multiple) => (length + multiple - 1) / multiple * multiple;

    /// <summary>The masked cross-entropy of a model on pairs (label-smoothed when asked), and how many target tokens it averages over.</summary>
    public static (Tensor loss, long tokens) Loss(ISeq2SeqModel model, IReadOnlyList<(int[] source, int[] target)> pairs, int padId, int startId,
                                                  double labelSmoothing = 0.0)
    {
        using var scope = NewDisposeScope();
        var (source, lens, decoderInput, labels) = Make(pairs, padId, startId);
        Tensor loss = Seq2Seq.MaskedLoss(model.Logits(source, lens, decoderInput), labels, padId, labelSmoothing);
        return (loss.MoveToOuterDisposeScope(), pairs.Sum(p => (long)p.target.Length));
    }

    /// <summary>Token-weighted mean loss over batches of pairs (evaluation: call under no_grad).</summary>
    public static double MeanLoss(ISeq2SeqModel model, IEnumerable<IReadOnlyList<(int[] source, int[] target)>> batches, int padId, int startId,
                                  CancellationToken cancel = default)
    {
        double total = 0;
        long tokens = 0;
        foreach (var batch in batches)
        {
            cancel.ThrowIfCancellationRequested();
            var (loss, count) = Loss(model, batch, padId, startId);
            using (loss) total += loss.item<float>() * count;
            tokens += count;
        }
        return tokens == 0 ? double.NaN : total / tokens;
    }
}
