using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TransformerSharp.Interop;
using TransformerSharp.Layers;
using TransformerSharp.Text;
using static TorchSharp.torch;

namespace TransformerSharp.Models.Bert;

/// <summary>
/// Our BERT ↔ Hugging Face's BertModel (and BertForSequenceClassification for a fine-tuned classifier): config.json
/// fields and state-dict names, one to one, no tensor transposed. D2L's small BERT has no LayerNorm on its embeddings,
/// which BertModel always applies, so it cannot be written as one.
/// </summary>
public static partial class BertHuggingFace
{
    public const string ModelType = "bert";

    static readonly (string theirs, string ours)[] LayerParts =
    {
        ("attention.self.query", "attention.W_q"), ("attention.self.key", "attention.W_k"), ("attention.self.value", "attention.W_v"),
        ("attention.output.dense", "attention.W_o"), ("attention.output.LayerNorm", "attention_norm"), ("intermediate.dense", "ffn.dense1"),
        ("output.dense", "ffn.dense2"), ("output.LayerNorm", "ffn_norm"),
    };

    static readonly (string theirs, string ours)[] Embeddings =
    {
        ("embeddings.word_embeddings.weight", "word_embeddings.weight"), ("embeddings.position_embeddings.weight", "position.embedding.weight"),
        ("embeddings.token_type_embeddings.weight", "token_type_embeddings.weight"), ("embeddings.LayerNorm.weight", "embedding_ln.weight"),
        ("embeddings.LayerNorm.bias", "embedding_ln.bias"), ("pooler.dense.weight", "pooler.weight"), ("pooler.dense.bias", "pooler.bias"),
    };

    /// <summary>Our name for a BERT checkpoint name (with or without the "bert." prefix), or null if we have no such parameter.</summary>
    public static string? OurName(string theirs)
    {
        theirs = Regex.Replace(theirs, @"^bert\.", "");
        var layer = Layer().Match(theirs);
        if (layer.Success)
        {
            string? part = LayerParts.FirstOrDefault(p => p.theirs == layer.Groups["part"].Value).ours;
            return part is null ? null : $"blocks.{layer.Groups["index"].Value}.{part}.{layer.Groups["kind"].Value}";
        }
        return Embeddings.FirstOrDefault(e => e.theirs == theirs).ours;
    }

    /// <summary>The BertModel name of one of our encoder's parameters.</summary>
    public static HuggingFaceName Name(string ours)
    {
        var block = OurBlock().Match(ours);
        string? theirs = block.Success
            ? LayerParts.FirstOrDefault(p => p.ours == block.Groups["part"].Value).theirs is { } part
                ? $"encoder.layer.{block.Groups["index"].Value}.{part}.{block.Groups["kind"].Value}" : null
            : Embeddings.FirstOrDefault(e => e.ours == ours).theirs;
        return new(theirs ?? throw new ArgumentException($"'{ours}' is not a BERT parameter name"));
    }

    public static JsonObject ToConfig(BertConfig c, IReadOnlyList<string>? labels = null)
    {
        if (!c.EmbeddingNorm)
            throw new UserError("this BERT (D2L's small BERT) has no LayerNorm on its embeddings, which Hugging Face's BertModel always applies: " +
                                "it cannot be exported as one");
        var json = new JsonObject
        {
            ["model_type"] = ModelType,
            ["architectures"] = new JsonArray(labels is null ? "BertModel" : "BertForSequenceClassification"),
            ["vocab_size"] = c.VocabSize, ["hidden_size"] = c.Width, ["num_hidden_layers"] = c.Layers, ["num_attention_heads"] = c.Heads,
            ["intermediate_size"] = c.FfnWidth, ["hidden_act"] = HuggingFaceConfig.ActivationName(c.Activation), ["hidden_dropout_prob"] = c.Dropout,
            ["attention_probs_dropout_prob"] = c.Dropout, ["max_position_embeddings"] = c.MaxPositions, ["type_vocab_size"] = c.TypeVocabSize,
            ["layer_norm_eps"] = c.NormEps, ["position_embedding_type"] = "absolute", ["pad_token_id"] = 0,
        };
        if (labels is not null)
        {
            json["id2label"] = new JsonObject(labels.Select((l, i) => KeyValuePair.Create(i.ToString(), (JsonNode?)l)));
            json["label2id"] = new JsonObject(labels.Select((l, i) => KeyValuePair.Create(l, (JsonNode?)i)));
        }
        return json;
    }


    /// <summary>Our config from a BERT config.json; a field whose value this build does not implement is an error naming it.</summary>
    public static BertConfig FromConfig(JsonObject json, string source)
    {
        var read = new HuggingFaceConfig(json, source);
        Activation activation = read.Activation("hidden_act", "gelu");
        string positions = read.Text("position_embedding_type", "absolute");
        if (positions != "absolute") throw read.Unsupported("position_embedding_type", positions, "absolute");
        read.Require("is_decoder", false);
        read.Require("add_cross_attention", false);
        return new BertConfig(read.Int("vocab_size"), read.Int("hidden_size"), read.Int("num_hidden_layers"), read.Int("num_attention_heads"),
                              read.Int("intermediate_size"), read.IntOrNull("max_position_embeddings") ?? 512, read.IntOrNull("type_vocab_size") ?? 2,
                              read.Double("hidden_dropout_prob", 0.1), activation, read.Double("layer_norm_eps", 1e-12));
    }

    /// <summary>The encoder's weights under BertModel's names, or (with a classifier) BertForSequenceClassification's.</summary>
    public static List<(string name, Tensor value)> Export(Bert encoder, BertClassifier? classifier = null)
    {
        var tensors = HuggingFaceWeights.Export(encoder, Name);
        if (classifier is null) return tensors;
        if (!encoder.Config.Pooler) throw new UserError("this classifier has no pooler, which BertForSequenceClassification needs");
        var head = classifier.Head;
        return tensors.Select(t => ("bert." + t.name, t.value))
                      .Append(("classifier.weight", head.weight!.detach())).Append(("classifier.bias", head.bias!.detach())).ToList();
    }

    /// <summary>A BERT encoder from a config and a state dict of BertModel, BertForPreTraining or a classifier (their heads are left).</summary>
    public static Bert Import(BertConfig config, IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        bool pooler = tensors.ContainsKey("pooler.dense.weight") || tensors.ContainsKey("bert.pooler.dense.weight");
        var model = new Bert(config with { Pooler = pooler });
        var normalised = tensors.ToDictionary(kv => Regex.Replace(kv.Key, @"^bert\.", ""), kv => kv.Value);
        HuggingFaceWeights.Import(model, normalised, Name, Ignorable, source);
        model.eval();
        return model;
    }

    /// <summary>A BERT directory's encoder (eval mode) and WordPiece tokenizer.</summary>
    public static (Bert model, BertWordPiece tokenizer) Load(string folder)
    {
        var config = FromConfig(HuggingFaceDirectory.ReadConfig(folder, ModelType), Path.Combine(folder, HuggingFaceDirectory.ConfigFile));
        var tokenizer = HuggingFaceDirectory.ReadBertTokenizer(folder);
        var model = HuggingFaceDirectory.ImportWeights(folder, tokenizer.VocabSize, config.VocabSize, tensors => Import(config, tensors, folder));
        return (model, tokenizer);
    }

    /// <summary>Heads and buffers a BERT checkpoint may hold that the encoder does not use.</summary>
    static bool Ignorable(string name) =>
        name.StartsWith("cls.") || name.StartsWith("classifier.") || name.StartsWith("qa_outputs.") || name.EndsWith("position_ids");

    [GeneratedRegex(@"^encoder\.layer\.(?<index>\d+)\.(?<part>.+)\.(?<kind>weight|bias)$")]
    private static partial Regex Layer();

    [GeneratedRegex(@"^blocks\.(?<index>\d+)\.(?<part>.+)\.(?<kind>weight|bias)$")]
    private static partial Regex OurBlock();
}
