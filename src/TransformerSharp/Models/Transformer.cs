using TorchSharp;
using TorchSharp.Modules;
using TransformerSharp.Attention;
using static TorchSharp.torch;

namespace TransformerSharp.Models;

/// <summary>The Transformer's size (D2L 11.7). The d2l preset: 256 wide, 2 blocks, 4 heads, FFN 64, dropout 0.2.</summary>
public sealed record TransformerConfig(int SourceVocab, int TargetVocab, int Hidden = 256, int Blocks = 2, int Heads = 4,
                                       int FfnHidden = 64, double Dropout = 0.2, int MaxLength = 1000, bool ShareEmbeddings = false);

/// <summary>D2L 11.7.2: the same two-layer MLP applied at every position (ReLU as in D2L, or GELU as in BERT checkpoints).</summary>
public sealed class PositionWiseFfn : nn.Module<Tensor, Tensor>
{
    readonly Linear dense1, dense2;
    readonly bool gelu;
    public PositionWiseFfn(long hidden, long outputs, bool gelu = false) : base(nameof(PositionWiseFfn))
    {
        dense1 = nn.Linear(outputs, hidden);
        dense2 = nn.Linear(hidden, outputs);
        this.gelu = gelu;
        RegisterComponents();
    }
    public override Tensor forward(Tensor x)
    {
        using Tensor h = dense1.forward(x);
        using Tensor a = gelu ? nn.functional.gelu(h) : nn.functional.relu(h);
        return dense2.forward(a);
    }
}

/// <summary>D2L 11.7.3: residual connection then layer normalisation (post-norm), with dropout on the sublayer output.</summary>
public sealed class AddNorm : nn.Module<Tensor, Tensor, Tensor>
{
    readonly Dropout dropout;
    readonly LayerNorm ln;
    public AddNorm(long shape, double dropout, double eps = 1e-5) : base(nameof(AddNorm))
    {
        this.dropout = nn.Dropout(dropout);
        ln = nn.LayerNorm(shape, eps);
        RegisterComponents();
    }
    public override Tensor forward(Tensor x, Tensor y) => ln.forward(dropout.forward(y) + x);
}

/// <summary>
/// D2L 11.7.4: self-attention and the FFN, each wrapped in AddNorm. The Transformer's blocks have no attention biases;
/// BERT (15.8) uses the same block with biases, and real checkpoints with GELU and LayerNorm eps 1e-12.
/// </summary>
public sealed class TransformerEncoderBlock : nn.Module
{
    readonly MultiHeadAttention attention;
    readonly AddNorm addnorm1, addnorm2;
    readonly PositionWiseFfn ffn;

    public TransformerEncoderBlock(TransformerConfig c) : this(c.Hidden, c.Heads, c.FfnHidden, c.Dropout) { }

    public TransformerEncoderBlock(long hidden, int heads, long ffnHidden, double dropout, bool bias = false, bool gelu = false, double eps = 1e-5)
        : base(nameof(TransformerEncoderBlock))
    {
        attention = new MultiHeadAttention(hidden, heads, dropout, bias);
        addnorm1 = new AddNorm(hidden, dropout, eps);
        ffn = new PositionWiseFfn(ffnHidden, hidden, gelu);
        addnorm2 = new AddNorm(hidden, dropout, eps);
        RegisterComponents();
    }

    public MultiHeadAttention Attention => attention;

    public Tensor forward(Tensor x, Tensor? validLens)
    {
        Tensor y = addnorm1.forward(x, attention.forward(x, x, x, validLens));
        return addnorm2.forward(y, ffn.forward(y));
    }
}

/// <summary>
/// D2L 11.7.5: causal self-attention over the target so far, attention over the encoder outputs, FFN. In training the
/// whole target goes through at once under a causal mask; in prediction one position per call, with the keys and
/// values of earlier positions kept in a cache (D2L keeps the raw inputs and re-projects them; this is equivalent).
/// </summary>
public sealed class TransformerDecoderBlock : nn.Module
{
    readonly int index;
    readonly MultiHeadAttention attention1, attention2;
    readonly AddNorm addnorm1, addnorm2, addnorm3;
    readonly PositionWiseFfn ffn;

    public TransformerDecoderBlock(TransformerConfig c, int index) : base(nameof(TransformerDecoderBlock))
    {
        this.index = index;
        attention1 = new MultiHeadAttention(c.Hidden, c.Heads, c.Dropout, bias: false);
        addnorm1 = new AddNorm(c.Hidden, c.Dropout);
        attention2 = new MultiHeadAttention(c.Hidden, c.Heads, c.Dropout, bias: false);
        addnorm2 = new AddNorm(c.Hidden, c.Dropout);
        ffn = new PositionWiseFfn(c.FfnHidden, c.Hidden);
        addnorm3 = new AddNorm(c.Hidden, c.Dropout);
        RegisterComponents();
    }

    public MultiHeadAttention SelfAttention => attention1;
    public MultiHeadAttention CrossAttention => attention2;

    public Tensor forward(Tensor x, Tensor encoderOutputs, Tensor encoderValidLens, KeyValueCache? cache)
    {
        Tensor x2 = attention1.forward(x, x, x, causal: true, cache: cache, layer: index);
        Tensor y = addnorm1.forward(x, x2);
        Tensor y2 = attention2.forward(y, encoderOutputs, encoderOutputs, encoderValidLens);
        Tensor z = addnorm2.forward(y, y2);
        return addnorm3.forward(z, ffn.forward(z));
    }
}

/// <summary>D2L 11.7: the encoder–decoder Transformer, embeddings scaled by √d plus sinusoidal positions.</summary>
public sealed class Transformer : nn.Module, ISeq2SeqModel
{
    public TransformerConfig Config { get; }
    readonly Embedding src_embedding, tgt_embedding;
    readonly SinusoidalPositionalEncoding src_pos, tgt_pos;
    readonly ModuleList<TransformerEncoderBlock> encoder;
    readonly ModuleList<TransformerDecoderBlock> decoder;
    readonly Linear dense;

    public Transformer(TransformerConfig config) : base(nameof(Transformer))
    {
        Config = config;
        if (config.ShareEmbeddings && config.SourceVocab != config.TargetVocab)
            throw new ArgumentException("shared embeddings need one vocabulary for source and target");
        src_embedding = nn.Embedding(config.SourceVocab, config.Hidden);
        tgt_embedding = config.ShareEmbeddings ? src_embedding : nn.Embedding(config.TargetVocab, config.Hidden);
        src_pos = new SinusoidalPositionalEncoding(config.Hidden, config.Dropout, config.MaxLength);
        tgt_pos = new SinusoidalPositionalEncoding(config.Hidden, config.Dropout, config.MaxLength);
        encoder = nn.ModuleList(Enumerable.Range(0, config.Blocks).Select(_ => new TransformerEncoderBlock(config)).ToArray());
        decoder = nn.ModuleList(Enumerable.Range(0, config.Blocks).Select(i => new TransformerDecoderBlock(config, i)).ToArray());
        dense = nn.Linear(config.Hidden, config.TargetVocab);
        RegisterComponents();
    }

    public nn.Module Module => this;

    public Tensor Encode(Tensor source, Tensor validLens)
    {
        Tensor x = src_pos.forward(src_embedding.forward(source) * Math.Sqrt(Config.Hidden));
        foreach (var block in encoder) x = block.forward(x, validLens);
        return x;
    }

    Tensor Decode(Tensor tokens, Tensor encoderOutputs, Tensor validLens, KeyValueCache? cache)
    {
        long start = cache?.Length ?? 0;
        Tensor x = tgt_pos.forward(tgt_embedding.forward(tokens) * Math.Sqrt(Config.Hidden), start);
        foreach (var block in decoder) x = block.forward(x, encoderOutputs, validLens, cache);
        return dense.forward(x);
    }

    public Tensor Logits(Tensor source, Tensor sourceValidLens, Tensor decoderInput) =>
        Decode(decoderInput, Encode(source, sourceValidLens), sourceValidLens, null);

    sealed class State(Tensor encoderOutputs, Tensor validLens, KeyValueCache cache, int heads) : IDecoderState
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

    public IDecoderState Start(Tensor source, Tensor sourceValidLens) =>
        new State(Encode(source, sourceValidLens), sourceValidLens.clone(), new KeyValueCache(Config.Blocks), Config.Heads);

    public Tensor Step(Tensor lastTokens, IDecoderState state)
    {
        var s = (State)state;
        return Decode(lastTokens, s.EncoderOutputs, s.ValidLens, s.Cache);
    }

    public IReadOnlyDictionary<string, Tensor> AttentionMaps
    {
        get
        {
            var maps = new Dictionary<string, Tensor>();
            for (int i = 0; i < encoder.Count; i++)
                if (encoder[i].Attention.AttentionWeights is { } w && !w.IsInvalid) maps[$"encoder self-attention, block {i + 1}"] = w;
            for (int i = 0; i < decoder.Count; i++)
                if (decoder[i].CrossAttention.AttentionWeights is { } w && !w.IsInvalid) maps[$"decoder encoder–decoder attention, block {i + 1}"] = w;
            return maps;
        }
    }
}
