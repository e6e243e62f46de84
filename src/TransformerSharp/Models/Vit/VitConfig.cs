namespace TransformerSharp.Models.Vit;

/// <summary>
/// A Vision Transformer's shape (D2L 11.8) in the shared vocabulary (docs/ARCHITECTURE.md): images resized to
/// ImageSize, cut into PatchSize × PatchSize patches, Layers pre-norm blocks of Width with Heads heads and a GELU MLP of
/// FfnWidth. Dropout is the blocks' (attention weights, residuals, MLP); EmbeddingDropout follows the position
/// embeddings, which start as N(0, PositionStd²) (D2L: torch.randn, std 1).
/// </summary>
public sealed record VitConfig(int ImageSize, int PatchSize, int Width, int Heads, int FfnWidth, int Layers, double Dropout = 0.1,
                               double EmbeddingDropout = 0.1, int Classes = 10, double InputMean = 0, double InputStd = 1,
                               double PositionStd = 1.0) : IImageClassifierConfig
{
    public int PatchesPerSide => ImageSize / PatchSize;
    public int Patches => PatchesPerSide * PatchesPerSide;

    public void Validate()
    {
        if (ImageSize < 1 || PatchSize < 1 || Width < 1 || Heads < 1 || FfnWidth < 1 || Layers < 1 || Classes < 2)
            throw new UserError($"every ViT size must be positive: image {ImageSize}, patch {PatchSize}, width {Width}, heads {Heads}, mlp {FfnWidth}, layers {Layers}, classes {Classes}");
        if (ImageSize % PatchSize != 0) throw new UserError($"the image size {ImageSize} must be a multiple of the patch size {PatchSize}");
        if (Width % Heads != 0) throw new UserError($"the width {Width} must be a multiple of the heads {Heads}");
        if (Dropout is < 0 or >= 1 || EmbeddingDropout is < 0 or >= 1 || double.IsNaN(Dropout) || double.IsNaN(EmbeddingDropout))
            throw new UserError($"dropout must be in [0, 1), got {Dropout} and {EmbeddingDropout}");
        if (!(InputStd > 0)) throw new UserError($"the input standard deviation must be positive, got {InputStd}");
    }
}
