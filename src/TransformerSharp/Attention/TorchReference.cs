using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TransformerSharp.Attention;

/// <summary>
/// The one place that calls TorchSharp's own attention: functional.scaled_dot_product_attention (whose causal flag is
/// spelled is_casual) and nn.MultiheadAttention (sequence-first). Both are wrapped batch-first, with our mask
/// conventions, so tests and benchmarks can hold our layers against them.
/// </summary>
public static class TorchReference
{
    /// <summary>SDPA over (…, q, d) queries; keepMask is true where a query may attend a key.</summary>
    public static Tensor ScaledDotProductAttention(Tensor queries, Tensor keys, Tensor values, Tensor? keepMask = null, bool causal = false)
        => nn.functional.scaled_dot_product_attention(queries, keys, values, attn_mask: keepMask, p: 0.0, is_casual: causal);

    /// <summary>TorchSharp's nn.MultiheadAttention holding the same weights as ours.</summary>
    public static MultiheadAttention MultiheadAttentionLike(MultiHeadAttention ours, bool bias)
    {
        var reference = nn.MultiheadAttention(ours.NumHiddens, ours.NumHeads, dropout: 0.0, bias: bias);
        using var noGrad = no_grad();
        var parameters = reference.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        parameters["in_proj_weight"].copy_(cat(new[] { ours.QueryProjection.weight!, ours.KeyProjection.weight!, ours.ValueProjection.weight! }, 0));
        parameters["out_proj.weight"].copy_(ours.OutputProjection.weight!);
        if (bias)
        {
            parameters["in_proj_bias"].copy_(cat(new[] { ours.QueryProjection.bias!, ours.KeyProjection.bias!, ours.ValueProjection.bias! }, 0));
            parameters["out_proj.bias"].copy_(ours.OutputProjection.bias!);
        }
        return reference;
    }

    /// <summary>
    /// Runs the reference batch-first: inputs (batch, len, hidden). keyPaddingMask (batch, keys) is true for keys to
    /// ignore; forbidden (queries, keys) is true where attention is not allowed.
    /// Returns the output (batch, q, hidden) and the head-averaged weights (batch, q, k).
    /// </summary>
    public static (Tensor output, Tensor weights) Forward(MultiheadAttention reference, Tensor queries, Tensor keys, Tensor values,
                                                         Tensor? keyPaddingMask = null, Tensor? forbidden = null)
    {
        // TorchSharp 0.107 does not treat a boolean attn_mask as "true = forbidden" the way PyTorch documents
        // (our parity test failed with one), so pass the additive form: -inf where forbidden, 0 elsewhere.
        using Tensor? additive = forbidden is null ? null
            : zeros(forbidden.shape, dtype: queries.dtype).masked_fill(forbidden, double.NegativeInfinity);
        var (output, weights) = reference.forward(queries.transpose(0, 1), keys.transpose(0, 1), values.transpose(0, 1),
                                                  keyPaddingMask, true, additive);
        return (output.transpose(0, 1), weights);
    }
}
