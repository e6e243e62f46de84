using TorchSharp;
using TorchSharp.Modules;
using TransformerSharp.Attention;
using TransformerSharp.Layers;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Models.Translator;

/// <summary>D2L 11.7: the encoder–decoder Transformer, embeddings scaled by √d plus sinusoidal positions.</summary>
public sealed class Transformer : nn.Module, ISeq2SeqModel
{
    public TransformerConfig Config { get; }
    readonly Embedding src_embedding, tgt_embedding;
    readonly SinusoidalPositionalEncoding src_pos, tgt_pos;
    readonly ModuleList<TransformerBlock> encoder, decoder;
    readonly Linear dense;

    public Transformer(TransformerConfig config) : base(nameof(Transformer))
    {
        Config = config;
        if (config.ShareEmbeddings && config.SourceVocabSize != config.TargetVocabSize)
            throw new UserError("shared embeddings need one vocabulary for source and target (--subwords)");
        src_embedding = nn.Embedding(config.SourceVocabSize, config.Width);
        tgt_embedding = config.ShareEmbeddings ? src_embedding : nn.Embedding(config.TargetVocabSize, config.Width);
        src_pos = new SinusoidalPositionalEncoding(config.Width, config.Dropout, config.MaxPositions);
        tgt_pos = new SinusoidalPositionalEncoding(config.Width, config.Dropout, config.MaxPositions);
        // D2L 11.7.4: post-norm, no attention biases, ReLU; 11.7.5's decoder adds causal masking and cross-attention.
        var block = new BlockConfig(config.Width, config.Heads, config.FfnWidth, config.Dropout, NormPosition.Post);
        encoder = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new TransformerBlock(block)).ToArray());
        decoder = nn.ModuleList(Enumerable.Range(0, config.Layers)
            .Select(_ => new TransformerBlock(block with { Causal = true, CrossAttention = true })).ToArray());
        dense = nn.Linear(config.Width, config.TargetVocabSize);
        RegisterComponents();
    }

    public nn.Module Module => this;

    public Tensor Encode(Tensor source, Tensor validLens)
    {
        Tensor x = src_pos.forward(src_embedding.forward(source).Times(Math.Sqrt(Config.Width)));
        foreach (var block in encoder) x = block.forward(x, validLens);
        return x;
    }

    Tensor Decode(Tensor tokens, Tensor encoderOutputs, Tensor validLens, KeyValueCache? cache)
    {
        long start = cache?.Length ?? 0;
        Tensor x = tgt_pos.forward(tgt_embedding.forward(tokens).Times(Math.Sqrt(Config.Width)), start);
        for (int i = 0; i < decoder.Count; i++)
            x = decoder[i].forward(x, memory: encoderOutputs, memoryValidLens: validLens, cache: cache, layer: i);
        return dense.forward(x);
    }

    public Tensor Logits(Tensor source, Tensor sourceValidLens, Tensor decoderInput) =>
        Decode(decoderInput, Encode(source, sourceValidLens), sourceValidLens, null);

    public IDecoderState Start(Tensor source, Tensor sourceValidLens) =>
        new CachedDecoderState(Encode(source, sourceValidLens), sourceValidLens.clone(), new KeyValueCache(Config.Layers), Config.Heads);

    public Tensor Step(Tensor lastTokens, IDecoderState state)
    {
        var s = (CachedDecoderState)state;
        return Decode(lastTokens, s.EncoderOutputs, s.ValidLens, s.Cache);
    }

    public IReadOnlyList<AttentionMap> AttentionMaps => AttentionMap.Collect(encoder, decoder);
}
