using System.Text.RegularExpressions;

namespace TransformerSharp.Models.T5;

/// <summary>
/// Our T5 parameter names ↔ the names in Hugging Face's T5 checkpoints (T5ForConditionalGeneration's state dict),
/// one to one. Loading a real T5 is then a matter of renaming: no tensor is split, merged or transposed.
/// </summary>
public static partial class T5ParameterNames
{
    static readonly (string ours, string theirs)[] Attention = { ("W_q", "q"), ("W_k", "k"), ("W_v", "v"), ("W_o", "o") };

    /// <summary>The Hugging Face name of one of our parameters (gated: a v1.1 feed-forward, whose first layer is wi_0).</summary>
    public static string ToHuggingFace(string name, bool gated = false)
    {
        switch (name)
        {
            case "shared.weight": return name;
            case "lm_head.weight": return name;
            case "encoder_final_norm.weight": return "encoder.final_layer_norm.weight";
            case "decoder_final_norm.weight": return "decoder.final_layer_norm.weight";
            case "encoder_position_bias.relative_attention_bias.weight": return "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight";
            case "decoder_position_bias.relative_attention_bias.weight": return "decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight";
        }
        var match = BlockParameter().Match(name);
        if (!match.Success) throw new ArgumentException($"'{name}' is not a T5 parameter name");
        string stack = match.Groups["stack"].Value, block = match.Groups["block"].Value, rest = match.Groups["rest"].Value;
        bool decoder = stack == "decoder";
        // T5 numbers a block's sublayers: self-attention 0, cross-attention 1 (decoder only), feed-forward last.
        int ffnLayer = decoder ? 2 : 1;
        string prefix = $"{stack}.block.{block}.layer.";
        string? mapped = rest switch
        {
            "attention_norm.weight" => "0.layer_norm.weight",
            "cross_attention_norm.weight" when decoder => "1.layer_norm.weight",
            "ffn_norm.weight" => $"{ffnLayer}.layer_norm.weight",
            "ffn.dense1.weight" => $"{ffnLayer}.DenseReluDense.{(gated ? "wi_0" : "wi")}.weight",
            "ffn.gate.weight" => $"{ffnLayer}.DenseReluDense.wi_1.weight",
            "ffn.dense2.weight" => $"{ffnLayer}.DenseReluDense.wo.weight",
            _ => null,
        };
        if (mapped is null)
            foreach (var (ours, theirs) in Attention)
            {
                if (rest == $"attention.{ours}.weight") mapped = $"0.SelfAttention.{theirs}.weight";
                if (decoder && rest == $"cross_attention.{ours}.weight") mapped = $"1.EncDecAttention.{theirs}.weight";
            }
        if (mapped is null) throw new ArgumentException($"'{name}' is not a T5 parameter name");
        return prefix + mapped;
    }

    /// <summary>Every parameter of a model with its Hugging Face name and shape.</summary>
    public static IReadOnlyList<(string ours, string huggingFace, long[] shape)> Map(T5 model)
    {
        bool gated = model.Config.FeedForwardProj == T5Config.GatedGelu;
        return model.named_parameters()
            .Select(p => (p.name, ToHuggingFace(p.name, gated), p.parameter.shape))
            .ToList();
    }

    [GeneratedRegex(@"^(?<stack>encoder|decoder)\.(?<block>\d+)\.(?<rest>.+)$")]
    private static partial Regex BlockParameter();
}
