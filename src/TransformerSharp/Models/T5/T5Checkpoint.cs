using System.Text.Json.Nodes;
using static TorchSharp.torch;
using TransformerSharp.Checkpoints;
using TransformerSharp.Text;

namespace TransformerSharp.Models.T5;

/// <summary>
/// What a T5 checkpoint says about its text: the objective it was trained on ("span_corruption" or "summarize"), the
/// task prefix, and the source and target lengths beyond which input is cut.
/// </summary>
public sealed record T5TextSettings(string Objective, string Prefix, int MaxSourceLength, int MaxTargetLength)
{
    public const string SpanCorruption = "span_corruption", Summarize = "summarize";
}

/// <summary>How a T5 is saved and loaded: config, tokenizer and text settings in the header, tensors after.</summary>
public static class T5Checkpoint
{
    public const string Kind = "t5";

    public static JsonObject Describe(T5 model, T5Tokenizer tokenizer, T5TextSettings text, string? preset)
    {
        var metadata = new JsonObject
        {
            ["config"] = ConfigJson.ToJson(model.Config),
            ["tokenizer"] = tokenizer.Describe(),
            ["data"] = ConfigJson.ToJson(text),
        };
        if (preset is not null) metadata["preset"] = preset;
        return metadata;
    }

    public static nn.Module Build(CheckpointHeader header) => new T5(ConfigJson.FromJson<T5Config>(header.Config, header.Path));

    /// <summary>The model (eval mode), its tokenizer and text settings.</summary>
    public static (T5 model, T5Tokenizer tokenizer, T5TextSettings text, CheckpointHeader header) Load(string path)
    {
        var (module, header) = ModelRegistry.Load(path, Kind);
        var tokenizer = Tokenizers.Restore(header.Tokenizer, path) as T5Tokenizer
                        ?? throw new InvalidDataException($"{path}: the checkpoint's tokenizer is not a T5 tokenizer");
        var text = ConfigJson.FromJson<T5TextSettings>(header.Metadata["data"], path);
        return ((T5)module, tokenizer, text, header);
    }
}
