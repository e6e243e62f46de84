using TorchSharp;
using TorchSharp.Modules;
using TransformerSharp.Attention;
using TransformerSharp.Layers;
using static TorchSharp.torch;

namespace TransformerSharp.Models.Gpt;

/// <summary>
/// GPT (decoder-only): token embeddings plus learned positions, pre-LayerNorm blocks of causal self-attention (GPT-2's
/// fused c_attn) and a GELU MLP, a final LayerNorm, and an output head tied to the token embedding. GPT-2 initialisation.
/// </summary>
public sealed class Gpt : nn.Module
{
    public GptConfig Config { get; }
    readonly Embedding wte;
    readonly LearnedPositionalEncoding wpe;
    readonly ModuleList<TransformerBlock> h;
    readonly LayerNorm ln_f;

    public Gpt(GptConfig config) : base(nameof(Gpt))
    {
        config.Validate();
        Config = config;
        wte = nn.Embedding(config.VocabSize, config.Width);
        wpe = new LearnedPositionalEncoding(config.Width, config.Dropout, config.MaxPositions);
        h = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new TransformerBlock(BlockConfig(config))).ToArray());
        ln_f = nn.LayerNorm(config.Width, config.NormEps, elementwise_affine: true, bias: config.Bias);
        RegisterComponents();
        Initialise();
    }

    /// <summary>GPT-2's block: pre-LayerNorm, causal fused-QKV attention, GELU MLP 4 × wide, biases everywhere or nowhere.</summary>
    public static BlockConfig BlockConfig(GptConfig c) => new(c.Width, c.Heads, c.FfnWidth, c.Dropout, NormPosition.Pre, NormKind.LayerNorm,
        c.NormEps, NormBias: c.Bias, Activation: c.Activation, AttentionBias: c.Bias, FfnBias: c.Bias, Causal: true, FusedQkv: true);

    /// <summary>N(0, 0.02) weights, zero biases, unit norms; residual projections N(0, 0.02/√(2·layers)) so the residual sum stays O(1).</summary>
    void Initialise()
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            if (name.EndsWith(".bias")) parameter.zero_();
            else if (parameter.dim() == 1) parameter.fill_(1.0);                       // LayerNorm scales
            else if (name.EndsWith("attention.c_proj.weight") || name.EndsWith("ffn.dense2.weight"))
                parameter.normal_(0, 0.02 / Math.Sqrt(2.0 * Config.Layers));
            else if (name.StartsWith("wte.")) parameter.normal_(0, Config.EmbeddingStd);
            else parameter.normal_(0, 0.02);
        }
    }

    public IReadOnlyList<TransformerBlock> Blocks => h.ToList();

    /// <summary>Token ids (batch, len) → logits (batch, len, vocab). With a cache, ids are the new tokens only.</summary>
    public Tensor forward(Tensor ids, KeyValueCache? cache = null)
    {
        long start = cache?.Length ?? 0;
        if (start + ids.shape[1] > Config.MaxPositions)
            throw new UserError($"{start + ids.shape[1]} positions exceed the model's context of {Config.MaxPositions}; crop the input");
        using var scope = NewDisposeScope();
        Tensor x = wpe.forward(wte.forward(ids), start);                          // (batch, len, width)
        for (int layer = 0; layer < h.Count; layer++) x = h[layer].forward(x, cache: cache, layer: layer);
        Tensor logits = nn.functional.linear(ln_f.forward(x), wte.weight!);       // tied head: (batch, len, vocab)
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>Mean next-token cross-entropy of (batch, len) inputs against (batch, len) targets.</summary>
    public Tensor Loss(Tensor ids, Tensor targets)
    {
        using var scope = NewDisposeScope();
        Tensor logits = forward(ids);
        Tensor loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), targets.reshape(-1));
        return loss.MoveToOuterDisposeScope();
    }

    public KeyValueCache NewCache() => new(Config.Layers);

    public long ParameterCount => parameters().Sum(p => p.numel());
}
