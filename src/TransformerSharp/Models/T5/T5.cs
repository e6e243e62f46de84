using TorchSharp;
using TorchSharp.Modules;
using TransformerSharp.Attention;
using TransformerSharp.Layers;
using TransformerSharp.Models.Translator;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Models.T5;

/// <summary>
/// T5 (D2L 11.9, Raffel et al. 2020), with Hugging Face modeling_t5's semantics: an encoder–decoder of pre-norm
/// blocks with RMS norms, no biases, no 1/√d, relative position biases instead of position embeddings, one shared
/// token embedding. The encoder reads "summarize: …" or corrupted text; the decoder, started from &lt;pad&gt;, writes
/// the answer. Parameter names map one to one onto T5's (<see cref="T5ParameterNames"/>).
/// </summary>
public sealed class T5 : nn.Module, ISeq2SeqModel
{
    public T5Config Config { get; }
    readonly Embedding shared;
    readonly ModuleList<TransformerBlock> encoder, decoder;
    readonly RelativePositionBias encoder_position_bias, decoder_position_bias;
    readonly RmsNorm encoder_final_norm, decoder_final_norm;
    readonly Linear? lm_head;
    readonly FastDropout dropout;

    public T5(T5Config config) : base(nameof(T5))
    {
        config.Validate();
        Config = config;
        shared = nn.Embedding(config.VocabSize, config.DModel);
        encoder = nn.ModuleList(Enumerable.Range(0, config.NumLayers).Select(_ => new TransformerBlock(config.Block(decoder: false))).ToArray());
        decoder = nn.ModuleList(Enumerable.Range(0, config.DecoderLayers).Select(_ => new TransformerBlock(config.Block(decoder: true))).ToArray());
        encoder_position_bias = new RelativePositionBias(config.RelativeAttentionNumBuckets, config.RelativeAttentionMaxDistance, config.NumHeads, bidirectional: true);
        decoder_position_bias = new RelativePositionBias(config.RelativeAttentionNumBuckets, config.RelativeAttentionMaxDistance, config.NumHeads, bidirectional: false);
        encoder_final_norm = new RmsNorm(config.DModel, config.LayerNormEpsilon);
        decoder_final_norm = new RmsNorm(config.DModel, config.LayerNormEpsilon);
        if (!config.TieWordEmbeddings) lm_head = nn.Linear(config.DModel, config.VocabSize, hasBias: false);
        dropout = new FastDropout(config.DropoutRate);
        RegisterComponents();
        Initialise();
    }

    public nn.Module Module => this;
    public long ParameterCount => parameters().Sum(p => p.numel());
    public IReadOnlyList<TransformerBlock> EncoderBlocks => encoder.ToList();
    public IReadOnlyList<TransformerBlock> DecoderBlocks => decoder.ToList();

    /// <summary>T5's initialisation, which stands in for the 1/√d the attention leaves out (Hugging Face's _init_weights).</summary>
    void Initialise()
    {
        using var noGrad = no_grad();
        double d = Config.DModel, dkv = Config.DKv, heads = Config.NumHeads;
        shared.weight!.normal_(0, 1.0);
        lm_head?.weight!.normal_(0, 1.0);
        foreach (var block in encoder.Concat(decoder))
        {
            foreach (var attention in new[] { (MultiHeadAttention)block.SelfAttention, block.CrossAttention }.OfType<MultiHeadAttention>())
            {
                attention.QueryProjection.weight!.normal_(0, Math.Pow(d * dkv, -0.5));
                attention.KeyProjection.weight!.normal_(0, Math.Pow(d, -0.5));
                attention.ValueProjection.weight!.normal_(0, Math.Pow(d, -0.5));
                attention.OutputProjection.weight!.normal_(0, Math.Pow(heads * dkv, -0.5));
            }
            block.FeedForward.Input.weight!.normal_(0, Math.Pow(d, -0.5));
            block.FeedForward.Gate?.weight!.normal_(0, Math.Pow(d, -0.5));
            block.FeedForward.Output.weight!.normal_(0, Math.Pow(Config.DFf, -0.5));
        }
        encoder_position_bias.Table.weight!.normal_(0, Math.Pow(d, -0.5));
        decoder_position_bias.Table.weight!.normal_(0, Math.Pow(d, -0.5));
    }

    /// <summary>source (batch, steps), validLens (batch) → the encoder's outputs (batch, steps, d_model).</summary>
    public Tensor Encode(Tensor source, Tensor validLens)
    {
        using var scope = NewDisposeScope();
        Tensor x = dropout.forward(shared.forward(source));
        long steps = source.shape[1];
        Tensor bias = encoder_position_bias.forward(steps, steps);
        foreach (var block in encoder) x = block.forward(x, validLens, scoreBias: bias);
        return dropout.forward(encoder_final_norm.forward(x)).MoveToOuterDisposeScope();
    }

    /// <summary>Decoder tokens (batch, T) after any cached ones → logits (batch, T, vocab).</summary>
    Tensor Decode(Tensor tokens, Tensor encoderOutputs, Tensor validLens, KeyValueCache? cache)
    {
        using var scope = NewDisposeScope();
        long start = cache?.Length ?? 0, steps = tokens.shape[1];
        Tensor x = dropout.forward(shared.forward(tokens));
        Tensor bias = decoder_position_bias.forward(steps, start + steps, start);
        for (int i = 0; i < decoder.Count; i++)
            x = decoder[i].forward(x, memory: encoderOutputs, memoryValidLens: validLens, cache: cache, layer: i, scoreBias: bias);
        x = dropout.forward(decoder_final_norm.forward(x));
        Tensor logits = lm_head is not null
            ? MatmulPrecision.Linear(lm_head, x)
            // Tied embeddings: T5 rescales the decoder's output before the shared projection.
            : MatmulPrecision.Linear(x.Times(Math.Pow(Config.DModel, -0.5)), shared.weight!);
        return logits.MoveToOuterDisposeScope();
    }

    public Tensor Logits(Tensor source, Tensor sourceValidLens, Tensor decoderInput)
    {
        using var scope = NewDisposeScope();
        return Decode(decoderInput, Encode(source, sourceValidLens), sourceValidLens, null).MoveToOuterDisposeScope();
    }

    public IDecoderState Start(Tensor source, Tensor sourceValidLens) =>
        new CachedDecoderState(Encode(source, sourceValidLens), sourceValidLens.clone(), new KeyValueCache(Config.DecoderLayers), Config.NumHeads);

    public Tensor Step(Tensor lastTokens, IDecoderState state)
    {
        var s = (CachedDecoderState)state;
        return Decode(lastTokens, s.EncoderOutputs, s.ValidLens, s.Cache);
    }

    /// <summary>
    /// A model of another config with the same parameters (another dropout_rate, as Hugging Face's
    /// from_pretrained(…, dropout_rate=…)) holding this one's weights; this one is disposed.
    /// </summary>
    public T5 CopyWith(T5Config config)
    {
        var copy = new T5(config);
        using (this)
        using (no_grad())
        {
            var weights = state_dict();
            var target = copy.state_dict();
            if (!weights.Keys.ToHashSet().SetEquals(target.Keys)) throw new ArgumentException("the new config changes the parameters", nameof(config));
            foreach (var (name, parameter) in target) parameter.copy_(weights[name]);
        }
        return copy;
    }

    public IReadOnlyList<AttentionMap> AttentionMaps => AttentionMap.Collect(encoder, decoder);

    /// <summary>T5's decoder input: the labels shifted right behind the start token (&lt;pad&gt;).</summary>
    public static Tensor ShiftRight(Tensor labels, int startTokenId)
    {
        using var scope = NewDisposeScope();
        Tensor start = Scalars.Filled(labels.shape[0], 1, startTokenId, labels.device);
        return cat(new[] { start, labels[TensorIndex.Colon, TensorIndex.Slice(0, -1)] }, 1).MoveToOuterDisposeScope();
    }
}
