using System.Text.Json.Nodes;
using static TorchSharp.torch;
using TransformerSharp.Checkpoints;
using TransformerSharp.Text;

namespace TransformerSharp.Models.Translator;

/// <summary>
/// How a translator is saved and loaded: the architecture's config, the source and target tokenizers (word
/// vocabularies or subwords) and num_steps in the header, the tensors after.
/// </summary>
public static class TranslatorCheckpoint
{
    public const string Kind = "translator";

    public static JsonObject Describe(ISeq2SeqModel model, TranslationData data, string? preset = null)
    {
        var metadata = new JsonObject
        {
            ["config"] = TranslatorArchitecture.ToJson(model),
            ["tokenizer"] = new JsonObject { ["source"] = data.SourceTokenizer.Describe(), ["target"] = data.TargetTokenizer.Describe() },
            ["data"] = new JsonObject { ["num_steps"] = data.NumSteps, ["lower_case"] = data.LowerCase },
        };
        if (preset is not null) metadata["preset"] = preset;
        return metadata;
    }

    public static nn.Module Build(CheckpointHeader header) => (nn.Module)TranslatorArchitecture.Create(header.Config, header.Path);

    /// <summary>The model (eval mode), and the vocabularies and num_steps it was trained with, as a data description with no pairs.</summary>
    public static (ISeq2SeqModel model, TranslationData data) Load(string path)
    {
        var (module, header) = ModelRegistry.Load(path, Kind);
        var tokenizers = header.Tokenizer ?? throw new InvalidDataException($"{path}: the checkpoint has no tokenizer");
        ITokenizer source = Tokenizers.Restore(tokenizers["source"] as JsonObject, path), target = Tokenizers.Restore(tokenizers["target"] as JsonObject, path);
        int numSteps = header.Metadata["data"]?["num_steps"]?.GetValue<int>() ?? throw new InvalidDataException($"{path}: the checkpoint has no num_steps");
        bool lowerCase = header.Metadata["data"]?["lower_case"]?.GetValue<bool>() ?? true;         // older checkpoints: D2L's lower case
        return ((ISeq2SeqModel)module, TranslationData.FromTokenizers(source, target, numSteps, lowerCase));
    }
}
