using TorchSharp;
using TorchSharp.Modules;
using TransformerSharp.Attention;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Layers;

/// <summary>Where the norm sits: after each residual sum (D2L, BERT) or before each sublayer (GPT, T5, ViT).</summary>
public enum NormPosition { Post, Pre }

/// <summary>
/// One Transformer block's shape. Width, Heads, FfnWidth and Dropout as in every family's config; the rest says which
/// variant: norm position and kind, activation, biases, causal self-attention, cross-attention (decoders), GPT-2's
/// fused QKV projection, whether scores are scaled by 1/√d (T5 does not), and an attention width other than Width.
/// </summary>
public sealed record BlockConfig(
    int Width, int Heads, int FfnWidth, double Dropout = 0.0,
    NormPosition NormPosition = NormPosition.Post, NormKind Norm = NormKind.LayerNorm, double NormEps = 1e-5, bool NormBias = true,
    Activation Activation = Activation.Relu, bool AttentionBias = false, bool FfnBias = true, double FfnDropout = 0.0,
    bool Causal = false, bool CrossAttention = false, bool FusedQkv = false, bool ScaleScores = true, int AttentionWidth = 0)
{
    /// <summary>Width of the attention's inner space (heads × head width): Width unless set (T5's heads × d_kv).</summary>
    public int InnerWidth => AttentionWidth > 0 ? AttentionWidth : Width;
}

/// <summary>
/// The Transformer block every family uses (D2L 11.7.4–11.7.5). Post-norm: x = norm(x + dropout(sublayer(x))) for
/// self-attention, then cross-attention over the encoder's outputs (decoders), then the feed-forward network.
/// Pre-norm: x = x + dropout(sublayer(norm(x))) for the same sublayers. An optional additive bias on the attention
/// scores carries relative positions.
/// </summary>
public sealed class TransformerBlock : nn.Module
{
    public BlockConfig Config { get; }
    readonly ISelfAttention attention;
    readonly MultiHeadAttention? cross_attention;
    readonly FeedForward ffn;
    readonly nn.Module<Tensor, Tensor> attention_norm, ffn_norm;
    readonly nn.Module<Tensor, Tensor>? cross_attention_norm;
    readonly FastDropout dropout;

    public TransformerBlock(BlockConfig c) : base(nameof(TransformerBlock))
    {
        Config = c;
        // Construction order fixes the random initialisation: self-attention, cross-attention, feed-forward.
        attention = c.FusedQkv
            ? new FusedQkvAttention(c.Width, c.Heads, c.Dropout, c.AttentionBias)
            : Attention(c);
        if (c.CrossAttention) cross_attention = Attention(c);
        ffn = new FeedForward(c.Width, c.FfnWidth, c.Activation, c.FfnBias, c.FfnDropout);
        attention_norm = Norms.Create(c.Norm, c.Width, c.NormEps, c.NormBias);
        if (c.CrossAttention) cross_attention_norm = Norms.Create(c.Norm, c.Width, c.NormEps, c.NormBias);
        ffn_norm = Norms.Create(c.Norm, c.Width, c.NormEps, c.NormBias);
        dropout = new FastDropout(c.Dropout);

        // Registration order is parameter order, which gradient clipping sums in: kept as the models were first
        // written (pre-norm: the norms first) so that same-seed runs reproduce their figures to the last digit.
        var sublayers = new List<(string, nn.Module)> { ("attention", (nn.Module)attention) };
        if (cross_attention is not null) sublayers.Add(("cross_attention", cross_attention));
        var norms = new List<(string, nn.Module)> { ("attention_norm", attention_norm) };
        if (cross_attention_norm is not null) norms.Add(("cross_attention_norm", cross_attention_norm));
        norms.Add(("ffn_norm", ffn_norm));
        var order = c.NormPosition == NormPosition.Pre
            ? norms.Concat(sublayers).Append(("ffn", ffn))
            : sublayers.Concat(norms).Append(("ffn", ffn));
        foreach (var (name, module) in order) register_module(name, module);
        register_module("dropout", dropout);
    }

    static MultiHeadAttention Attention(BlockConfig c) =>
        new(c.InnerWidth, c.Heads, c.Dropout, c.AttentionBias, querySize: c.Width, keySize: c.Width, valueSize: c.Width, scaleScores: c.ScaleScores,
            outputSize: c.Width);

    public ISelfAttention SelfAttention => attention;
    public MultiHeadAttention? CrossAttention => cross_attention;
    public FeedForward FeedForward => ffn;

    /// <summary>
    /// x (batch, len, width) → (batch, len, width). validLens: x's real lengths (see <see cref="MaskedSoftmax"/>);
    /// memory, memoryValidLens: the encoder's outputs for cross-attention; cache: keys and values of earlier
    /// positions (x then holds only the new ones); scoreBias, crossScoreBias: (batch or 1, heads, queries, keys).
    /// </summary>
    public Tensor forward(Tensor x, Tensor? validLens = null, Tensor? memory = null, Tensor? memoryValidLens = null,
                          KeyValueCache? cache = null, int layer = 0, Tensor? scoreBias = null, Tensor? crossScoreBias = null)
    {
        using var scope = NewDisposeScope();
        x = Sublayer(x, attention_norm, h => attention.SelfAttend(h, validLens, Config.Causal, cache, layer, scoreBias));
        attention.AttentionWeights?.MoveToOuterDisposeScope();
        if (cross_attention is not null)
        {
            if (memory is null) throw new ArgumentException("a block with cross-attention needs the encoder's outputs (memory)");
            x = Sublayer(x, cross_attention_norm!, h => cross_attention.forward(h, memory, memory, memoryValidLens, scoreBias: crossScoreBias));
            cross_attention.AttentionWeights?.MoveToOuterDisposeScope();
        }
        x = Sublayer(x, ffn_norm, ffn.forward);
        return x.MoveToOuterDisposeScope();
    }

    Tensor Sublayer(Tensor x, nn.Module<Tensor, Tensor> norm, Func<Tensor, Tensor> sublayer) => Config.NormPosition == NormPosition.Pre
        ? x.Plus(dropout.forward(sublayer(norm.forward(x))))
        : norm.forward(x.Plus(dropout.forward(sublayer(x))));
}
