using System.Text.Json.Nodes;
using TransformerSharp.Interop;
using TransformerSharp.Text;
using static TorchSharp.torch;

namespace TransformerSharp.Models.T5;

/// <summary>
/// Our T5 ↔ Hugging Face's T5ForConditionalGeneration. The config's fields already carry T5Config's names; the
/// state-dict names come from <see cref="T5ParameterNames"/>. Tied checkpoints may repeat the shared embedding as
/// encoder/decoder.embed_tokens and lm_head: those copies are read past.
/// </summary>
public static class T5HuggingFace
{
    public const string ModelType = "t5";

    public static JsonObject ToConfig(T5Config c, T5TextSettings? text = null)
    {
        var json = new JsonObject { ["model_type"] = ModelType, ["architectures"] = new JsonArray("T5ForConditionalGeneration") };
        foreach (var (field, value) in ConfigJson.ToJson(c with { NumDecoderLayers = c.DecoderLayers })) json[field] = value?.DeepClone();
        json["is_encoder_decoder"] = true;
        json["initializer_factor"] = 1.0;
        // Where Hugging Face's T5 configs keep a task's prefix and lengths.
        if (text is { Objective: T5TextSettings.Summarize })
            json["task_specific_params"] = new JsonObject
            {
                ["summarization"] = new JsonObject { ["prefix"] = text.Prefix, ["max_length"] = text.MaxTargetLength, ["max_source_length"] = text.MaxSourceLength },
            };
        return json;
    }

    public static T5Config FromConfig(JsonObject json, string source)
    {
        var read = new HuggingFaceConfig(json, source);
        string projection = read.Text("feed_forward_proj", T5Config.Relu);
        if (projection is not (T5Config.Relu or T5Config.GatedGelu))
            throw read.Unsupported("feed_forward_proj", projection, $"{T5Config.Relu} or {T5Config.GatedGelu}");
        read.Require("is_encoder_decoder", true);
        var defaults = new T5Config(VocabSize: 0);
        var config = new T5Config(read.Int("vocab_size"), read.Int("d_model"), read.Int("d_kv"), read.Int("d_ff"), read.Int("num_layers"),
                                  read.IntOrNull("num_decoder_layers"), read.Int("num_heads"),
                                  read.IntOrNull("relative_attention_num_buckets") ?? defaults.RelativeAttentionNumBuckets,
                                  read.IntOrNull("relative_attention_max_distance") ?? defaults.RelativeAttentionMaxDistance,
                                  read.Double("dropout_rate", defaults.DropoutRate), read.Double("layer_norm_epsilon", defaults.LayerNormEpsilon),
                                  projection, read.Bool("tie_word_embeddings", true), read.IntOrNull("pad_token_id") ?? 0,
                                  read.IntOrNull("eos_token_id") ?? 1, read.IntOrNull("decoder_start_token_id") ?? 0);
        config.Validate();
        return config;
    }

    public static List<(string name, Tensor value)> Export(T5 model)
    {
        bool gated = model.Config.FeedForwardProj == T5Config.GatedGelu;
        return HuggingFaceWeights.Export(model, ours => new HuggingFaceName(T5ParameterNames.ToHuggingFace(ours, gated)));
    }

    public static T5 Import(T5Config config, IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        var model = new T5(config);
        bool gated = config.FeedForwardProj == T5Config.GatedGelu;
        bool Ignorable(string name) => name is "encoder.embed_tokens.weight" or "decoder.embed_tokens.weight"
                                       || (config.TieWordEmbeddings && name == "lm_head.weight");
        HuggingFaceWeights.Import(model, tensors, ours => new HuggingFaceName(T5ParameterNames.ToHuggingFace(ours, gated)), Ignorable, source);
        model.eval();
        return model;
    }

    /// <summary>
    /// A T5 directory's model (eval mode), tokenizer and text settings (the summarization prefix and lengths from
    /// task_specific_params, else "summarize: ", 512 and 128).
    /// </summary>
    public static (T5 model, T5Tokenizer tokenizer, T5TextSettings text) Load(string folder)
    {
        var json = HuggingFaceDirectory.ReadConfig(folder, ModelType);
        var config = FromConfig(json, Path.Combine(folder, HuggingFaceDirectory.ConfigFile));
        var tokenizer = HuggingFaceDirectory.ReadOurTokenizer(folder) switch
        {
            T5Tokenizer t5 => t5,
            null when File.Exists(Path.Combine(folder, HuggingFaceDirectory.SentencePieceFile)) =>
                T5SentencePieceTokenizer.Read(Path.Combine(folder, HuggingFaceDirectory.SentencePieceFile)),
            null => throw new UserError($"{folder}: no tokenizer ({HuggingFaceDirectory.OurTokenizerFile} or {HuggingFaceDirectory.SentencePieceFile})"),
            var other => throw new InvalidDataException($"{folder}: the tokenizer is '{other.Kind}', not a T5 tokenizer"),
        };
        var summarization = json["task_specific_params"]?["summarization"];
        var text = new T5TextSettings(T5TextSettings.Summarize, summarization?["prefix"]?.GetValue<string>() ?? "summarize: ",
                                      summarization?["max_source_length"]?.GetValue<int>() ?? 512, summarization?["max_length"]?.GetValue<int>() ?? 128);
        var model = HuggingFaceDirectory.ImportWeights(folder, tokenizer.VocabSize, config.VocabSize, tensors => Import(config, tensors, folder));
        return (model, tokenizer, text);
    }
}
