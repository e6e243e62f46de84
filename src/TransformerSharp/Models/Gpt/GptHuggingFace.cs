using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TransformerSharp.Interop;
using TransformerSharp.Layers;
using TransformerSharp.Text;
using static TorchSharp.torch;

namespace TransformerSharp.Models.Gpt;

/// <summary>
/// Our GPT ↔ Hugging Face's GPT2LMHeadModel: config.json fields and state-dict names. GPT-2 keeps its linear layers
/// as Conv1D, weights stored (in, out), so those are transposed; the output head is tied to wte and not stored.
/// GPT-2 always has biases: a GPT trained here without them is written with zero biases, which compute the same.
/// </summary>
public static partial class GptHuggingFace
{
    public const string ModelType = "gpt2";

    /// <param name="endOfText">the tokenizer's &lt;|endoftext|&gt; id (GPT-2's 50256), written as bos and eos; none for other tokenizers.</param>
    public static JsonObject ToConfig(GptConfig c, int? endOfText = null)
    {
        var json = new JsonObject
        {
            ["model_type"] = ModelType,
            ["architectures"] = new JsonArray("GPT2LMHeadModel"),
            ["vocab_size"] = c.VocabSize, ["n_positions"] = c.MaxPositions, ["n_embd"] = c.Width, ["n_layer"] = c.Layers, ["n_head"] = c.Heads,
            ["n_inner"] = null, ["activation_function"] = HuggingFaceConfig.ActivationName(c.Activation),
            ["resid_pdrop"] = c.Dropout, ["embd_pdrop"] = c.Dropout, ["attn_pdrop"] = c.Dropout,
            ["layer_norm_epsilon"] = c.NormEps, ["initializer_range"] = c.EmbeddingStd, ["scale_attn_weights"] = true, ["tie_word_embeddings"] = true,
        };
        if (endOfText is int id) (json["bos_token_id"], json["eos_token_id"]) = (id, id);
        return json;
    }


    /// <summary>Our config from a GPT-2 config.json; a field whose value this build does not implement is an error naming it.</summary>
    public static GptConfig FromConfig(JsonObject json, string source)
    {
        var read = new HuggingFaceConfig(json, source);
        int width = read.Int("n_embd");
        Activation activation = read.Activation("activation_function", "gelu_new");
        if (read.IntOrNull("n_inner") is int inner && inner != 4 * width) throw read.Unsupported("n_inner", inner, $"null or 4 × n_embd = {4 * width}");
        read.Require("scale_attn_weights", true);
        read.Require("scale_attn_by_inverse_layer_idx", false);
        read.Require("add_cross_attention", false);
        read.Require("tie_word_embeddings", true);
        return new GptConfig(read.Int("n_layer"), read.Int("n_head"), width, read.Int("n_positions"), read.Int("vocab_size"),
                             Dropout: 0.0, Bias: true, EmbeddingStd: read.Double("initializer_range", 0.02), Activation: activation,
                             NormEps: read.Double("layer_norm_epsilon", 1e-5));
    }

    /// <summary>The Hugging Face name of one of our parameters.</summary>
    public static HuggingFaceName Name(string ours)
    {
        var block = Block().Match(ours);
        if (!block.Success)
            return ours switch
            {
                "wte.weight" or "ln_f.weight" or "ln_f.bias" => new(ours),
                "wpe.embedding.weight" => new("wpe.weight"),
                _ => throw new ArgumentException($"'{ours}' is not a GPT parameter name"),
            };
        string part = block.Groups["part"].Value, kind = block.Groups["kind"].Value;
        var (name, conv1d) = part switch
        {
            "attention_norm" => ("ln_1", false),
            "ffn_norm" => ("ln_2", false),
            "attention.c_attn" => ("attn.c_attn", true),
            "attention.c_proj" => ("attn.c_proj", true),
            "ffn.dense1" => ("mlp.c_fc", true),
            "ffn.dense2" => ("mlp.c_proj", true),
            _ => throw new ArgumentException($"'{ours}' is not a GPT parameter name"),
        };
        return new($"h.{block.Groups["layer"].Value}.{name}.{kind}", conv1d && kind == "weight");
    }

    /// <summary>State-dict keys a GPT-2 checkpoint may hold beside the weights: causal-mask buffers and the tied head.</summary>
    public static bool Ignorable(string name) => name.EndsWith(".attn.bias") || name.EndsWith(".attn.masked_bias") || name == "lm_head.weight";

    /// <summary>GPT2LMHeadModel saves under "transformer."; GPT2Model without a prefix. Both are read.</summary>
    public static string Normalise(string name) => name.StartsWith("transformer.") ? name["transformer.".Length..] : name;

    /// <summary>The weights under GPT-2's names, zero biases added where the model has none.</summary>
    public static List<(string name, Tensor value)> Export(Gpt model)
    {
        var tensors = HuggingFaceWeights.Export(model, Name);
        if (model.Config.Bias) return tensors;
        var present = tensors.Select(t => t.name).ToHashSet();
        var added = new List<(string, Tensor)>();
        foreach (var (name, value) in tensors)
        {
            if (!name.EndsWith(".weight") || name is "wte.weight" or "wpe.weight") continue;
            string bias = name[..^".weight".Length] + ".bias";
            long size = name.EndsWith("ln_1.weight") || name.EndsWith("ln_2.weight") || name == "ln_f.weight" ? value.shape[0] : value.shape[^1];
            if (!present.Contains(bias)) added.Add((bias, zeros(size)));
        }
        return tensors.Concat(added).ToList();
    }

    /// <summary>A GPT from a GPT-2 config and state dict (eval mode).</summary>
    public static Gpt Import(GptConfig config, IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        var model = new Gpt(config);
        var normalised = tensors.ToDictionary(kv => Normalise(kv.Key), kv => kv.Value);
        HuggingFaceWeights.Import(model, normalised, Name, Ignorable, source);
        model.eval();
        return model;
    }

    /// <summary>A GPT-2 directory's model (eval mode) and tokenizer.</summary>
    public static (Gpt model, ITokenizer tokenizer) Load(string folder)
    {
        var config = FromConfig(HuggingFaceDirectory.ReadConfig(folder, ModelType), Path.Combine(folder, HuggingFaceDirectory.ConfigFile));
        var tokenizer = HuggingFaceDirectory.ReadOurTokenizer(folder) ?? Gpt2Files.Read(folder);
        var model = HuggingFaceDirectory.ImportWeights(folder, tokenizer.VocabSize, config.VocabSize, tensors => Import(config, tensors, folder));
        return (model, tokenizer);
    }

    [GeneratedRegex(@"^h\.(?<layer>\d+)\.(?<part>.+)\.(?<kind>weight|bias)$")]
    private static partial Regex Block();
}
