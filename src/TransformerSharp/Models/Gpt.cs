using TorchSharp;
using TorchSharp.Modules;
using TransformerSharp.Attention;
using static TorchSharp.torch;

namespace TransformerSharp.Models;

/// <summary>
/// A GPT's shape, as nanoGPT's GPTConfig. EmbeddingStd is GPT-2's 0.02 by default; the in-context recall task needs a
/// larger one (with 0.02 its loss stayed at chance for 6,000 steps, with 0.3 it learned in 200: measured).
/// </summary>
public sealed record GptConfig(int Layers, int Heads, int Width, int Context, int VocabSize, double Dropout = 0.0, bool Bias = true,
                               double EmbeddingStd = 0.02)
{
    public void Validate()
    {
        if (Layers < 1 || Heads < 1 || Width < 1 || Context < 1 || VocabSize < 1)
            throw new ArgumentException($"every size in {this} must be positive");
        if (Width % Heads != 0) throw new ArgumentException($"width {Width} must be a multiple of heads {Heads}");
        if (Dropout is < 0 or >= 1) throw new ArgumentException($"dropout must be in [0, 1), got {Dropout}");
    }
}

/// <summary>Pre-LayerNorm Transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)).</summary>
public sealed class GptBlock : nn.Module
{
    readonly LayerNorm ln_1, ln_2;
    readonly CausalSelfAttention attn;
    readonly Linear c_fc, c_proj;
    readonly Dropout dropout;

    public GptBlock(GptConfig config) : base(nameof(GptBlock))
    {
        ln_1 = nn.LayerNorm(config.Width, elementwise_affine: true, bias: config.Bias);
        attn = new CausalSelfAttention(config.Width, config.Heads, config.Dropout, config.Bias);
        ln_2 = nn.LayerNorm(config.Width, elementwise_affine: true, bias: config.Bias);
        c_fc = nn.Linear(config.Width, 4 * config.Width, hasBias: config.Bias);
        c_proj = nn.Linear(4 * config.Width, config.Width, hasBias: config.Bias);
        dropout = nn.Dropout(config.Dropout);
        RegisterComponents();
    }

    public CausalSelfAttention Attention => attn;
    public Linear MlpProjection => c_proj;

    public Tensor forward(Tensor x, KeyValueCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        Tensor h = x + attn.forward(ln_1.forward(x), cache, layer);
        Tensor mlp = dropout.forward(c_proj.forward(nn.functional.gelu(c_fc.forward(ln_2.forward(h)))));
        return (h + mlp).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// GPT (decoder-only): token embeddings plus learned positions, pre-LayerNorm blocks of causal self-attention and
/// a GELU MLP, a final LayerNorm, and an output head tied to the token embedding. GPT-2 initialisation.
/// </summary>
public sealed class Gpt : nn.Module
{
    public GptConfig Config { get; }
    readonly Embedding wte;
    readonly LearnedPositionalEncoding wpe;
    readonly ModuleList<GptBlock> h;
    readonly LayerNorm ln_f;

    public Gpt(GptConfig config) : base(nameof(Gpt))
    {
        config.Validate();
        Config = config;
        wte = nn.Embedding(config.VocabSize, config.Width);
        wpe = new LearnedPositionalEncoding(config.Width, config.Dropout, config.Context);
        h = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new GptBlock(config)).ToArray());
        ln_f = nn.LayerNorm(config.Width, elementwise_affine: true, bias: config.Bias);
        RegisterComponents();
        Initialise();
    }

    /// <summary>N(0, 0.02) weights, zero biases; residual projections N(0, 0.02/√(2·layers)) so the residual sum stays O(1).</summary>
    void Initialise()
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            if (name.EndsWith(".bias")) parameter.zero_();
            else if (name.Contains("ln_")) parameter.fill_(1.0);
            else if (name.EndsWith("c_proj.weight")) parameter.normal_(0, 0.02 / Math.Sqrt(2.0 * Config.Layers));
            else if (name.StartsWith("wte.")) parameter.normal_(0, Config.EmbeddingStd);
            else parameter.normal_(0, 0.02);
        }
    }

    public IReadOnlyList<GptBlock> Blocks => h.ToList();

    /// <summary>Token ids (batch, len) → logits (batch, len, vocab). With a cache, ids are the new tokens only.</summary>
    public Tensor forward(Tensor ids, KeyValueCache? cache = null)
    {
        long start = cache?.Length ?? 0;
        if (start + ids.shape[1] > Config.Context)
            throw new ArgumentException($"{start + ids.shape[1]} positions exceed the model's context of {Config.Context}; crop the input");
        using var scope = NewDisposeScope();
        Tensor x = wpe.forward(wte.forward(ids), start);                          // (batch, len, width)
        for (int layer = 0; layer < h.Count; layer++) x = h[layer].forward(x, cache, layer);
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
