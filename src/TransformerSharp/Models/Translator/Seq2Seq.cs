using TorchSharp;
using TransformerSharp.Attention;
using TransformerSharp.Layers;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Models.Translator;

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
    /// <summary>Attention maps of the last call, for plots.</summary>
    IReadOnlyList<AttentionMap> AttentionMaps { get; }
}

public enum AttentionKind { EncoderSelf, DecoderSelf, Cross }

/// <summary>One attention module's weights from the last call: (batch·heads or batch, queries, keys).</summary>
public sealed record AttentionMap(AttentionKind Kind, int Block, string Title, Tensor Weights)
{
    /// <summary>The encoder blocks' self-attention and the decoder blocks' cross-attention weights of the last call.</summary>
    public static IReadOnlyList<AttentionMap> Collect(IEnumerable<TransformerBlock> encoder, IEnumerable<TransformerBlock> decoder)
    {
        var maps = new List<AttentionMap>();
        foreach (var (block, i) in encoder.Select((b, i) => (b, i + 1)))
            if (block.SelfAttention.AttentionWeights is { } w && !w.IsInvalid)
                maps.Add(new AttentionMap(AttentionKind.EncoderSelf, i, $"encoder self-attention, block {i}", w));
        foreach (var (block, i) in decoder.Select((b, i) => (b, i + 1)))
            if (block.CrossAttention?.AttentionWeights is { } w && !w.IsInvalid)
                maps.Add(new AttentionMap(AttentionKind.Cross, i, $"decoder encoder–decoder attention, block {i}", w));
        return maps;
    }
}

/// <summary>
/// An attention decoder's state between steps: the encoder's outputs and lengths, and the self-attention key/value
/// cache. Owns its tensors (outside any dispose scope); Reorder keeps the rows beam search chose.
/// </summary>
public sealed class CachedDecoderState(Tensor encoderOutputs, Tensor validLens, KeyValueCache cache, int heads) : IDecoderState
{
    public Tensor EncoderOutputs { get; private set; } = encoderOutputs.DetachFromDisposeScope();
    public Tensor ValidLens { get; private set; } = validLens.DetachFromDisposeScope();
    public KeyValueCache Cache { get; } = cache;

    public void Reorder(Tensor indices)
    {
        Tensor e = EncoderOutputs.index_select(0, indices).DetachFromDisposeScope();
        Tensor v = ValidLens.index_select(0, indices).DetachFromDisposeScope();
        EncoderOutputs.Dispose();
        ValidLens.Dispose();
        (EncoderOutputs, ValidLens) = (e, v);
        Cache.Reorder(indices, heads);
    }

    public void Dispose()
    {
        EncoderOutputs.Dispose();
        ValidLens.Dispose();
        Cache.Dispose();
    }
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
        Tensor mask = label.reshape(-1).NotEqual(padId).to(perToken.dtype);
        return ((perToken * mask).sum() / mask.sum().AtLeast(1)).MoveToOuterDisposeScope();
    }
}
