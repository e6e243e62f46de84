using TorchSharp;
using TorchSharp.Modules;
using TransformerSharp.Layers;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Models.Vit;

/// <summary>
/// The Vision Transformer (D2L 11.8; Dosovitskiy et al. 2021): the image cut into patches by a convolution whose kernel
/// and stride are the patch size, a learned &lt;cls&gt; token (zeros at start) in front, learned position embeddings,
/// pre-LayerNorm encoder blocks (attention projections without biases, GELU MLP), and LayerNorm then Linear on the
/// &lt;cls&gt; state.
/// </summary>
public sealed class Vit : ImageClassifier
{
    public VitConfig Config { get; }
    readonly Conv2d patch_embedding;
    readonly Parameter cls_token, pos_embedding;
    readonly FastDropout dropout;
    readonly ModuleList<TransformerBlock> blocks;
    readonly LayerNorm head_norm;
    readonly Linear head;

    public Vit(VitConfig config) : base(nameof(Vit), config)
    {
        config.Validate();
        Config = config;
        patch_embedding = nn.Conv2d(1, config.Width, config.PatchSize, stride: config.PatchSize);
        cls_token = nn.Parameter(zeros(1, 1, config.Width));
        pos_embedding = nn.Parameter(randn(1, config.Patches + 1, config.Width) * config.PositionStd);
        dropout = new FastDropout(config.EmbeddingDropout);
        blocks = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new TransformerBlock(BlockConfig(config))).ToArray());
        head_norm = nn.LayerNorm(config.Width);
        head = nn.Linear(config.Width, config.Classes);
        RegisterComponents();
    }

    /// <summary>D2L's ViTBlock: pre-LayerNorm, attention without biases, GELU MLP with dropout after the activation.</summary>
    public static BlockConfig BlockConfig(VitConfig c) => new(c.Width, c.Heads, c.FfnWidth, c.Dropout, NormPosition.Pre, NormKind.LayerNorm,
        Activation: Activation.Gelu, AttentionBias: false, FfnBias: true, FfnDropout: c.Dropout);

    public IReadOnlyList<TransformerBlock> Blocks => blocks.ToList();

    /// <summary>Pixels (batch, h, w) in [0, 1] → logits (batch, classes).</summary>
    public override Tensor forward(Tensor pixels) => Forward(pixels, keepAttention: false).logits;

    /// <summary>Logits and, per block, its attention weights (batch · heads, 1 + patches, 1 + patches); token 0 is &lt;cls&gt;.</summary>
    public (Tensor logits, IReadOnlyList<Tensor> attention) ForwardWithAttention(Tensor pixels) => Forward(pixels, keepAttention: true);

    (Tensor logits, IReadOnlyList<Tensor> attention) Forward(Tensor pixels, bool keepAttention)
    {
        using var scope = NewDisposeScope();
        Tensor x = patch_embedding.forward(Prepare(pixels));           // (batch, width, side, side)
        x = x.flatten(2).transpose(1, 2);                               // (batch, patches, width)
        long batch = x.shape[0];
        x = cat(new[] { cls_token.expand(batch, -1, -1), x }, 1);       // (batch, 1 + patches, width)
        x = dropout.forward(x.Plus(pos_embedding));                            // Scalar-safe add (README, implicit Scalars)
        var attention = new List<Tensor>();
        foreach (var block in blocks)
        {
            x = block.forward(x);
            if (keepAttention) attention.Add(block.SelfAttention.AttentionWeights!.MoveToOuterDisposeScope());
        }
        Tensor logits = head.forward(head_norm.forward(x[.., 0]));       // (batch, classes)
        return (logits.MoveToOuterDisposeScope(), attention);
    }
}
