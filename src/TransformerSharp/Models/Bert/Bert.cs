using TorchSharp;
using TorchSharp.Modules;
using TransformerSharp.Attention;
using TransformerSharp.Layers;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Models.Bert;

/// <summary>
/// BERT (D2L 15.8, encoder only): token, segment and learned position embeddings, then post-LayerNorm encoder blocks
/// (the shared <see cref="TransformerBlock"/>, post-norm, with attention biases), D2L's MLM and NSP heads, and an
/// optional pooler. <see cref="CheckpointName"/> maps standard BERT checkpoint names onto these parameters one to one.
/// </summary>
public sealed class Bert : nn.Module
{
    public BertConfig Config { get; }
    readonly Embedding word_embeddings, token_type_embeddings;
    readonly LearnedPositionalEncoding position;
    readonly LayerNorm embedding_ln;
    readonly FastDropout embedding_dropout;
    readonly ModuleList<TransformerBlock> blocks;
    readonly Linear? pooler;

    public Bert(BertConfig c) : base(nameof(Bert))
    {
        Config = c;
        word_embeddings = nn.Embedding(c.VocabSize, c.Width);
        position = new LearnedPositionalEncoding(c.Width, dropout: 0.0, c.MaxPositions);
        token_type_embeddings = nn.Embedding(c.TypeVocabSize, c.Width);
        embedding_ln = nn.LayerNorm(c.Width, c.NormEps, elementwise_affine: c.EmbeddingNorm);
        embedding_dropout = new FastDropout(c.Dropout);
        var block = new BlockConfig(c.Width, c.Heads, c.FfnWidth, c.Dropout, NormPosition.Post, NormKind.LayerNorm, c.NormEps,
                                    Activation: c.Activation, AttentionBias: true);
        blocks = nn.ModuleList(Enumerable.Range(0, c.Layers).Select(_ => new TransformerBlock(block)).ToArray());
        if (c.Pooler) pooler = nn.Linear(c.Width, c.Width);
        RegisterComponents();
    }

    /// <summary>
    /// tokens (batch, len), segments (batch, len), validLens (batch): how many leading tokens of each row are real
    /// (the rest is padding that no position attends to) → hidden states (batch, len, hidden).
    /// </summary>
    public Tensor forward(Tensor tokens, Tensor? segments = null, Tensor? validLens = null)
    {
        if (tokens.shape[1] > Config.MaxPositions)
            throw new UserError($"{tokens.shape[1]} tokens exceed BERT's {Config.MaxPositions} positions; truncate the input");
        using var scope = NewDisposeScope();
        Tensor x = position.forward(word_embeddings.forward(tokens));                       // (batch, len, hidden)
        x = x + token_type_embeddings.forward(segments ?? zeros_like(tokens));
        if (Config.EmbeddingNorm) x = embedding_dropout.forward(embedding_ln.forward(x));
        foreach (var block in blocks) x = block.forward(x, validLens);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>BERT's pooler: tanh(W · hidden state of the first token).</summary>
    public Tensor Pool(Tensor hidden) =>
        pooler is null ? throw new InvalidOperationException("this BERT has no pooler") : pooler.forward(hidden[TensorIndex.Colon, 0]).tanh();

    /// <summary>Sentence embeddings as sentence-transformers computes them: mean over real tokens, then L2 normalisation.</summary>
    public static Tensor MeanPooledEmbedding(Tensor hidden, Tensor validLens)
    {
        using var scope = NewDisposeScope();
        Tensor mask = arange(hidden.shape[1], device: hidden.device).unsqueeze(0).lt(validLens.unsqueeze(1)).to(hidden.dtype).unsqueeze(2);
        Tensor mean = (hidden * mask).sum(1) / mask.sum(1).clamp_min(1e-9);                 // (batch, hidden)
        return nn.functional.normalize(mean, p: 2, dim: 1).MoveToOuterDisposeScope();
    }

    /// <summary>Our parameter name for a standard BERT checkpoint name (Hugging Face layout), or null if it has none.</summary>
    public static string? CheckpointName(string name) => BertHuggingFace.OurName(name);
}
