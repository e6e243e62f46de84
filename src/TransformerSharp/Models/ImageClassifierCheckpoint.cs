using System.Text.Json.Nodes;
using static TorchSharp.torch;
using TransformerSharp.Checkpoints;
using TransformerSharp.Models.LeNet;
using TransformerSharp.Models.Vit;

namespace TransformerSharp.Models;

/// <summary>How image classifiers (ViT, and the LeNet baseline) are saved and loaded: config and class names in the header.</summary>
public static class ImageClassifierCheckpoint
{
    public const string VitKind = "vit", LeNetKind = "lenet";

    public static string KindOf(IImageClassifierConfig config) => config switch
    {
        VitConfig => VitKind,
        LeNetConfig => LeNetKind,
        _ => throw new ArgumentException($"no checkpoint kind for {config.GetType().Name}"),
    };

    public static JsonObject Describe(IImageClassifierConfig config, IReadOnlyList<string> classNames) => new()
    {
        // The concrete record's fields (no "architecture" discriminator): the kind already says which it is.
        ["config"] = System.Text.Json.JsonSerializer.SerializeToNode(config, config.GetType(), ConfigJson.Options)!.AsObject(),
        ["classes"] = new JsonArray(classNames.Select(n => (JsonNode)n).ToArray()),
    };

    public static ImageClassifier Create(IImageClassifierConfig config) => config switch
    {
        VitConfig vit => new Vit.Vit(vit),
        LeNetConfig lenet => new LeNet.LeNet(lenet),
        _ => throw new ArgumentException($"no model for {config.GetType().Name}"),
    };

    /// <summary>The config a ViT or LeNet checkpoint's header holds; any other kind is refused.</summary>
    public static IImageClassifierConfig Config(CheckpointHeader header) => header.Kind switch
    {
        VitKind => ConfigJson.FromJson<VitConfig>(header.Config, header.Path),
        LeNetKind => ConfigJson.FromJson<LeNetConfig>(header.Config, header.Path),
        _ => throw new InvalidDataException($"{header.Path}: this is a '{header.Kind}' checkpoint, not an image classifier ('{VitKind}' or '{LeNetKind}')"),
    };

    /// <summary>The registry's builder for both kinds.</summary>
    public static nn.Module Build(CheckpointHeader header) => Create(Config(header));

    /// <summary>A ViT or LeNet checkpoint's model (eval mode), its class names and its header; any other kind is refused.</summary>
    public static (ImageClassifier model, IReadOnlyList<string> classes, CheckpointHeader header) Load(string path)
    {
        var header = Checkpoint.ReadHeader(path);
        Config(header);                                                   // refuses other kinds before loading tensors
        var (model, _) = ModelRegistry.Load(path, header.Kind);
        var classes = (header.Metadata["classes"] as JsonArray)?.Select(n => n!.GetValue<string>()).ToList()
                      ?? throw new InvalidDataException($"{path}: the checkpoint has no class names");
        return ((ImageClassifier)model, classes, header);
    }
}
