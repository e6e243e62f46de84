using static TorchSharp.torch;
using TransformerSharp.Checkpoints;
using TransformerSharp.Models.Bert;
using TransformerSharp.Models.Gpt;
using TransformerSharp.Models.T5;
using TransformerSharp.Models.Translator;

namespace TransformerSharp.Models;

/// <summary>
/// Checkpoint kind → how to build the model its header describes. Adding a model family is one line here; loading,
/// `info` and resuming then work for it.
/// </summary>
public static class ModelRegistry
{
    static readonly Dictionary<string, Func<CheckpointHeader, nn.Module>> builders = new()
    {
        [GptCheckpoint.Kind] = GptCheckpoint.Build,
        [TranslatorCheckpoint.Kind] = TranslatorCheckpoint.Build,
        [BertCheckpoint.PretrainingKind] = BertCheckpoint.BuildPretraining,
        [BertCheckpoint.ClassifierKind] = BertCheckpoint.BuildClassifier,
        [ImageClassifierCheckpoint.VitKind] = ImageClassifierCheckpoint.Build,
        [ImageClassifierCheckpoint.LeNetKind] = ImageClassifierCheckpoint.Build,
        [T5Checkpoint.Kind] = T5Checkpoint.Build,
    };

    public static IReadOnlyCollection<string> Kinds => builders.Keys;

    /// <summary>Builds the model a checkpoint's header describes, without its weights.</summary>
    public static nn.Module Build(CheckpointHeader header) =>
        builders.TryGetValue(header.Kind, out var build) ? build(header)
            : throw new InvalidDataException($"{header.Path}: unknown checkpoint kind '{header.Kind}' (this build knows {string.Join(", ", builders.Keys)})");

    /// <summary>Builds the model and loads its weights (eval mode). expectedKind: null accepts any registered kind.</summary>
    public static (nn.Module model, CheckpointHeader header) Load(string path, string? expectedKind = null)
    {
        var header = Checkpoint.ReadHeader(path, expectedKind);
        nn.Module model = Build(header);
        Checkpoint.Load(path, header.Kind, model);
        model.eval();
        return (model, header);
    }
}
