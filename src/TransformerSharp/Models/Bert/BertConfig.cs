using TransformerSharp.Layers;

namespace TransformerSharp.Models.Bert;

/// <summary>BERT's shape in the shared vocabulary (docs/ARCHITECTURE.md).</summary>
/// <param name="EmbeddingNorm">LayerNorm and dropout on the summed embeddings (BERT checkpoints; D2L's small BERT has none).</param>
/// <param name="Pooler">BERT's tanh(Linear) on the first token, present in pretrained checkpoints.</param>
public sealed record BertConfig(int VocabSize, int Width, int Layers, int Heads, int FfnWidth, int MaxPositions = 512,
                                int TypeVocabSize = 2, double Dropout = 0.1, Activation Activation = Activation.Gelu, double NormEps = 1e-12,
                                bool Pooler = true, bool EmbeddingNorm = true)
{
    /// <summary>D2L 15.10's small BERT: ReLU, no LayerNorm or dropout on the embeddings, no pooler.</summary>
    public static BertConfig D2LSmall(int vocabSize) => new(vocabSize, Width: 128, Layers: 2, Heads: 2, FfnWidth: 256, MaxPositions: 1000,
                                                           Dropout: 0.2, Activation: Activation.Relu, NormEps: 1e-5, Pooler: false, EmbeddingNorm: false);

    /// <summary>all-MiniLM-L6-v2: a 6-layer, 384-wide BERT with 12 heads.</summary>
    public static BertConfig MiniLM => new(30522, Width: 384, Layers: 6, Heads: 12, FfnWidth: 1536);
}
