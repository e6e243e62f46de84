using System.Text.Json.Nodes;
using static TorchSharp.torch;
using TransformerSharp.Checkpoints;
using TransformerSharp.Text;

namespace TransformerSharp.Models.Gpt;

/// <summary>How a GPT is saved and loaded: its config and tokenizer in the checkpoint header, its tensors after.</summary>
public static class GptCheckpoint
{
    public const string Kind = "gpt";

    public static JsonObject Describe(GptConfig config, ITokenizer tokenizer) => new()
    {
        ["config"] = ConfigJson.ToJson(config),
        ["tokenizer"] = tokenizer.Describe(),
    };

    public static nn.Module Build(CheckpointHeader header) => new Gpt(ConfigJson.FromJson<GptConfig>(header.Config, header.Path));

    /// <summary>The model (in eval mode) and tokenizer a checkpoint holds, and its header.</summary>
    public static (Gpt model, ITokenizer tokenizer, CheckpointHeader header) Load(string path)
    {
        var (module, header) = ModelRegistry.Load(path, Kind);
        return ((Gpt)module, Tokenizers.Restore(header.Tokenizer, path), header);
    }
}
