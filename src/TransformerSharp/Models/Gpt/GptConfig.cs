using System.Text.Json.Serialization;
using TransformerSharp.Layers;

namespace TransformerSharp.Models.Gpt;

/// <summary>
/// A GPT's shape, as nanoGPT's GPTConfig, in the shared vocabulary (docs/ARCHITECTURE.md). The MLP is 4 × Width, as in
/// GPT-2. EmbeddingStd is GPT-2's 0.02 by default; the few-shot recall task needs a larger one (see the README).
/// Activation: exact GELU as nanoGPT; GPT-2's own checkpoints use the tanh approximation ("gelu_new").
/// </summary>
public sealed record GptConfig(int Layers, int Heads, int Width, int MaxPositions, int VocabSize, double Dropout = 0.0, bool Bias = true,
                               double EmbeddingStd = 0.02, Activation Activation = Activation.Gelu, double NormEps = 1e-5)
{
    [JsonIgnore] public int FfnWidth => 4 * Width;

    public void Validate()
    {
        if (Layers < 1 || Heads < 1 || Width < 1 || MaxPositions < 1 || VocabSize < 1)
            throw new UserError($"every size must be positive: --layers {Layers}, --heads {Heads}, --width {Width}, --context {MaxPositions}, vocabulary {VocabSize}");
        if (Width % Heads != 0) throw new UserError($"--width {Width} must be a multiple of --heads {Heads}");
        if (Dropout is < 0 or >= 1 || double.IsNaN(Dropout)) throw new UserError($"--dropout must be in [0, 1), got {Dropout}");
    }
}
