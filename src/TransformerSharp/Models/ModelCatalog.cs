using System.Text.Json.Nodes;
using TransformerSharp.Checkpoints;
using TransformerSharp.Models.Bert;
using TransformerSharp.Models.Gpt;
using TransformerSharp.Models.T5;
using TransformerSharp.Models.Translator;
using TransformerSharp.Models.Vit;
using TransformerSharp.Text;

namespace TransformerSharp.Models;

/// <summary>One preset as the `presets` command lists it: its family and command, name, description and recipe as JSON.</summary>
public sealed record PresetListing(string Family, string Name, string Description, JsonObject Recipe);

/// <summary>Every family's presets in one list, and a checkpoint described as one JSON object (`info`).</summary>
public static class ModelCatalog
{
    public static IReadOnlyList<PresetListing> Presets() =>
        GptPresets.All.Select(p => new PresetListing("gpt", p.Name, p.Description, ConfigJson.ToJson(p.Recipe)))
            .Concat(TranslatorPresets.All.Select(p => new PresetListing("translator", p.Name, p.Description, ConfigJson.ToJson(p.Recipe))))
            .Concat(BertPresets.Pretraining.Select(p => new PresetListing("bert", p.Name, p.Description, ConfigJson.ToJson(p.Recipe))))
            .Concat(BertPresets.Nli.Select(p => new PresetListing("bert", p.Name, p.Description, ConfigJson.ToJson(p.Recipe))))
            .Concat(VitPresets.All.Select(p => new PresetListing("vit", p.Name, p.Description, ConfigJson.ToJson(p.Recipe))))
            .Concat(T5Presets.All.Select(p => new PresetListing("t5", p.Name, p.Description, ConfigJson.ToJson(p.Recipe))))
            .ToList();

    /// <summary>kind, parameters, config, tokenizer (kind, vocabulary size, special tokens) and training state of a checkpoint.</summary>
    public static JsonObject Describe(string path)
    {
        var (model, header) = ModelRegistry.Load(path);
        using (model)
        {
            var info = new JsonObject
            {
                ["kind"] = header.Kind,
                ["parameters"] = model.parameters().Sum(p => p.numel()),
                ["config"] = header.Config.DeepClone(),
                ["tokenizer"] = Summarise(header.Tokenizer, path),
            };
            if (header.Metadata["data"] is JsonObject data) info["data"] = data.DeepClone();
            if (header.Metadata["classes"] is JsonArray classes) info["classes"] = classes.DeepClone();
            if (header.Training is { } training)
                info["training"] = new JsonObject
                {
                    ["step"] = training["next_step"]?.DeepClone(),
                    ["best_valid_loss"] = training["best_valid_loss"]?.DeepClone(),
                    ["seed"] = training["seed"]?.DeepClone(),
                    ["elapsed_seconds"] = training["elapsed_seconds"]?.DeepClone(),
                };
            return info;
        }
    }

    /// <summary>A tokenizer description without its vocabulary: kind, size, special ids (a pair of them for translators).</summary>
    static JsonNode? Summarise(JsonObject? description, string path)
    {
        if (description is null) return null;
        if (description["kind"] is null)
            return new JsonObject(description.Select(p => KeyValuePair.Create(p.Key, Summarise(p.Value as JsonObject, path))));
        ITokenizer tokenizer = Tokenizers.Restore(description, path);
        return new JsonObject
        {
            ["kind"] = tokenizer.Kind,
            ["vocab_size"] = tokenizer.VocabSize,
            ["special_ids"] = new JsonObject(tokenizer.SpecialIds.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
        };
    }
}
