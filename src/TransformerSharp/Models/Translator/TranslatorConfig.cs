using System.Text.Json.Nodes;

namespace TransformerSharp.Models.Translator;

/// <summary>D2L 11.7's encoder–decoder Transformer, in the shared vocabulary (docs/ARCHITECTURE.md).</summary>
/// <param name="ShareEmbeddings">one embedding table for source and target (needs one vocabulary: subwords).</param>
public sealed record TransformerConfig(int SourceVocabSize, int TargetVocabSize, int Width, int Layers, int Heads, int FfnWidth,
                                       double Dropout, int MaxPositions = 1000, bool ShareEmbeddings = false);

/// <summary>D2L 11.4's GRU encoder–decoder with additive attention.</summary>
public sealed record BahdanauConfig(int SourceVocabSize, int TargetVocabSize, int EmbeddingWidth, int Width, int Layers, double Dropout);

/// <summary>The translator family's two architectures and how their configs travel in a checkpoint.</summary>
public static class TranslatorArchitecture
{
    public const string Transformer = "transformer", Bahdanau = "bahdanau";
    public static readonly string[] All = { Transformer, Bahdanau };

    /// <summary>The config as JSON with an "architecture" field first.</summary>
    public static JsonObject ToJson(ISeq2SeqModel model)
    {
        var (name, config) = model switch
        {
            Transformer t => (Transformer, ConfigJson.ToJson(t.Config)),
            Bahdanau b => (Bahdanau, ConfigJson.ToJson(b.Config)),
            _ => throw new ArgumentException($"{model.GetType().Name} is not a translator architecture"),
        };
        var json = new JsonObject { ["architecture"] = name };
        foreach (var (key, value) in config) json[key] = value?.DeepClone();
        return json;
    }

    /// <summary>Builds the model a config JSON describes.</summary>
    public static ISeq2SeqModel Create(JsonObject json, string source)
    {
        var fields = (JsonObject)json.DeepClone();
        string? architecture = fields["architecture"]?.GetValue<string>();
        fields.Remove("architecture");
        return architecture switch
        {
            Transformer => new Translator.Transformer(ConfigJson.FromJson<TransformerConfig>(fields, source)),
            Bahdanau => new Translator.Bahdanau(ConfigJson.FromJson<BahdanauConfig>(fields, source)),
            _ => throw new InvalidDataException($"{source}: unknown translator architecture '{architecture}' (use {string.Join(" or ", All)})"),
        };
    }
}
