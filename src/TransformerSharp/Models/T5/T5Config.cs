using System.Text.Json.Serialization;
using TransformerSharp.Layers;

namespace TransformerSharp.Models.T5;

/// <summary>
/// A T5's shape, its fields named as Hugging Face's T5Config so that a real config.json maps onto it field by field.
/// feed_forward_proj: "relu" (T5 v1.0) or "gated-gelu" (v1.1). tie_word_embeddings: one table for the encoder's and
/// decoder's inputs and the output projection, the decoder's output scaled by d_model^-½ before it (v1.0).
/// </summary>
public sealed record T5Config(
    int VocabSize, int DModel = 512, int DKv = 64, int DFf = 2048, int NumLayers = 6, int? NumDecoderLayers = null, int NumHeads = 8,
    int RelativeAttentionNumBuckets = 32, int RelativeAttentionMaxDistance = 128, double DropoutRate = 0.1, double LayerNormEpsilon = 1e-6,
    string FeedForwardProj = "relu", bool TieWordEmbeddings = true, int PadTokenId = 0, int EosTokenId = 1, int DecoderStartTokenId = 0)
{
    public const string Relu = "relu", GatedGelu = "gated-gelu";

    [JsonIgnore] public int DecoderLayers => NumDecoderLayers ?? NumLayers;
    /// <summary>Width of the attention's inner space: heads × d_kv (equal to d_model in t5-small, not in every T5).</summary>
    [JsonIgnore] public int InnerDim => NumHeads * DKv;

    [JsonIgnore] public Activation Activation => FeedForwardProj switch
    {
        Relu => Activation.Relu,
        GatedGelu => Activation.GatedGelu,
        _ => throw new UserError($"feed_forward_proj '{FeedForwardProj}' is not implemented: use {Relu} or {GatedGelu}"),
    };

    /// <summary>The shared block shape: pre-norm RMS, no biases, no 1/√d, dropout inside the feed-forward network too.</summary>
    public BlockConfig Block(bool decoder) => new(
        DModel, NumHeads, DFf, DropoutRate, NormPosition.Pre, NormKind.RmsNorm, LayerNormEpsilon, NormBias: false, Activation,
        AttentionBias: false, FfnBias: false, FfnDropout: DropoutRate, Causal: decoder, CrossAttention: decoder, ScaleScores: false,
        AttentionWidth: InnerDim);

    public void Validate()
    {
        if (VocabSize < 1 || DModel < 1 || DKv < 1 || DFf < 1 || NumLayers < 1 || DecoderLayers < 1 || NumHeads < 1)
            throw new UserError($"every T5 size must be positive: vocab_size {VocabSize}, d_model {DModel}, d_kv {DKv}, d_ff {DFf}, " +
                                $"num_layers {NumLayers}, num_decoder_layers {DecoderLayers}, num_heads {NumHeads}");
        if (RelativeAttentionNumBuckets < 4 || RelativeAttentionMaxDistance < RelativeAttentionNumBuckets / 2)
            throw new UserError($"relative_attention_num_buckets {RelativeAttentionNumBuckets} must be at least 4 and relative_attention_max_distance " +
                                $"{RelativeAttentionMaxDistance} at least half of it");
        if (DropoutRate is < 0 or >= 1 || double.IsNaN(DropoutRate)) throw new UserError($"dropout_rate must be in [0, 1), got {DropoutRate}");
        _ = Activation;
    }
}
