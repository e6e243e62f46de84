using System.Text.Json.Nodes;
using static TorchSharp.torch;
using TransformerSharp.Checkpoints;
using TransformerSharp.Text;

namespace TransformerSharp.Models.Bert;

/// <summary>
/// How BERTs are saved and loaded: "bert" is the pretraining model (encoder, MLM and NSP heads), "bert-nli" the
/// sentence-pair classifier. The header holds the config, the tokenizer and the class labels.
/// </summary>
public static class BertCheckpoint
{
    public const string PretrainingKind = "bert", ClassifierKind = "bert-nli";

    public static JsonObject Describe(BertConfig config, ITokenizer tokenizer, JsonObject? data = null)
    {
        var metadata = new JsonObject { ["config"] = ConfigJson.ToJson(config), ["tokenizer"] = tokenizer.Describe() };
        if (data is not null) metadata["data"] = data;
        return metadata;
    }

    public static BertConfig Config(CheckpointHeader header) => ConfigJson.FromJson<BertConfig>(header.Config, header.Path);

    public static nn.Module BuildPretraining(CheckpointHeader header) => new BertForPretraining(Config(header));

    public static nn.Module BuildClassifier(CheckpointHeader header) => new BertClassifier(new Bert(Config(header)), Labels(header).Count);

    /// <summary>The classifier's class names, in output order.</summary>
    public static IReadOnlyList<string> Labels(CheckpointHeader header) =>
        header.Metadata["data"]?["labels"]?.AsArray().Select(l => l!.GetValue<string>()).ToList()
        ?? throw new InvalidDataException($"{header.Path}: the classifier checkpoint names no labels");

    public static (BertForPretraining model, ITokenizer tokenizer, CheckpointHeader header) LoadPretraining(string path)
    {
        var (module, header) = ModelRegistry.Load(path, PretrainingKind);
        return ((BertForPretraining)module, Tokenizers.Restore(header.Tokenizer, path), header);
    }

    public static (BertClassifier model, ITokenizer tokenizer, CheckpointHeader header) LoadClassifier(string path)
    {
        var (module, header) = ModelRegistry.Load(path, ClassifierKind);
        return ((BertClassifier)module, Tokenizers.Restore(header.Tokenizer, path), header);
    }
}
