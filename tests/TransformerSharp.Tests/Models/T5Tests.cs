using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using TorchSharp;
using TransformerSharp.Models;
using TransformerSharp.Models.T5;
using TransformerSharp.Interop;
using Xunit;
using static TorchSharp.torch;
using T5Model = TransformerSharp.Models.T5.T5;

namespace TransformerSharp.Tests.Models;

public class T5Tests
{
    static readonly T5Config Small = new(VocabSize: 150, DModel: 32, DKv: 8, DFf: 64, NumLayers: 2, NumHeads: 4, RelativeAttentionNumBuckets: 8,
                                         RelativeAttentionMaxDistance: 20, DropoutRate: 0.1);

    // Hugging Face's _relative_position_bucket on the values the issue publishes (relative position = key − query).
    [Theory]
    [InlineData(-8, 8)] [InlineData(-16, 10)] [InlineData(-64, 14)] [InlineData(-127, 15)] [InlineData(-1000, 15)]
    [InlineData(0, 0)] [InlineData(1, 17)] [InlineData(16, 26)] [InlineData(127, 31)] [InlineData(5000, 31)]
    public void BidirectionalBuckets(int relative, int bucket) => Assert.Equal(bucket, RelativePositionBias.Bucket(relative, bidirectional: true));

    [Theory]
    [InlineData(-16, 16)] [InlineData(-32, 21)] [InlineData(-127, 31)] [InlineData(-3000, 31)] [InlineData(0, 0)] [InlineData(1, 0)] [InlineData(64, 0)]
    public void CausalBuckets(int relative, int bucket) => Assert.Equal(bucket, RelativePositionBias.Bucket(relative, bidirectional: false));

    [Fact]
    public void BiasOfQueriesAfterACacheIsTheMatchingRowsOfTheFullBias()
    {
        TestSupport.Seed(0);
        using var bias = new RelativePositionBias(32, 128, heads: 3, bidirectional: false);
        using var full = bias.forward(10, 10);
        using var last = bias.forward(1, 10, offset: 9);
        Assert.Equal(new long[] { 1, 3, 10, 10 }, full.shape);
        Assert.Equal(0.0, TestSupport.MaxAbsDiff(full[.., .., 9..10, ..], last));
    }

    /// <summary>t5-small's checkpoint names and shapes, as T5ForConditionalGeneration lays them out; ours must map onto exactly these.</summary>
    static Dictionary<string, long[]> T5SmallCheckpoint()
    {
        const long d = 512, ff = 2048, vocab = 32128, buckets = 32, heads = 8;
        var names = new Dictionary<string, long[]> { ["shared.weight"] = new[] { vocab, d } };
        foreach (string stack in new[] { "encoder", "decoder" })
        {
            names[$"{stack}.block.0.layer.0.SelfAttention.relative_attention_bias.weight"] = new[] { buckets, heads };
            names[$"{stack}.final_layer_norm.weight"] = new[] { d };
            for (int block = 0; block < 6; block++)
            {
                var attentions = stack == "encoder" ? new[] { "0.SelfAttention" } : new[] { "0.SelfAttention", "1.EncDecAttention" };
                foreach (string attention in attentions)
                    foreach (string p in new[] { "q", "k", "v", "o" })
                        names[$"{stack}.block.{block}.layer.{attention}.{p}.weight"] = new[] { d, d };
                int ffn = stack == "encoder" ? 1 : 2;
                for (int layer = 0; layer <= ffn; layer++) names[$"{stack}.block.{block}.layer.{layer}.layer_norm.weight"] = new[] { d };
                names[$"{stack}.block.{block}.layer.{ffn}.DenseReluDense.wi.weight"] = new[] { ff, d };
                names[$"{stack}.block.{block}.layer.{ffn}.DenseReluDense.wo.weight"] = new[] { d, ff };
            }
        }
        return names;
    }

    [Fact]
    public void ParameterNamesMapOneToOneOntoT5SmallsCheckpoint()
    {
        // t5-small's config.json: d_model 512, d_kv 64, d_ff 2048, 6 layers, 8 heads, relu, tied embeddings, vocab 32128.
        var config = new T5Config(VocabSize: 32128);
        using var model = new T5Model(config);
        var mapping = T5ParameterNames.Map(model);
        var expected = T5SmallCheckpoint();
        Assert.Equal(131, expected.Count);
        Assert.Equal(expected.Count, mapping.Count);
        Assert.Equal(mapping.Count, mapping.Select(m => m.huggingFace).Distinct().Count());
        foreach (var (ours, theirs, shape) in mapping)
        {
            Assert.True(expected.ContainsKey(theirs), $"{ours} maps to {theirs}, which t5-small does not have");
            Assert.Equal(expected[theirs], shape);
        }
        Assert.Equal(60_506_624, model.ParameterCount);                     // t5-small's published parameter count
    }

    [Fact]
    public void GatedAndUntiedVariantsMapOntoT5V11Names()
    {
        using var model = new T5Model(Small with { FeedForwardProj = T5Config.GatedGelu, TieWordEmbeddings = false, DKv = 4 });
        var names = T5ParameterNames.Map(model).ToDictionary(m => m.huggingFace, m => m.shape);
        Assert.Equal(new long[] { 64, 32 }, names["encoder.block.1.layer.1.DenseReluDense.wi_0.weight"]);
        Assert.Equal(new long[] { 64, 32 }, names["decoder.block.0.layer.2.DenseReluDense.wi_1.weight"]);
        Assert.Equal(new long[] { 150, 32 }, names["lm_head.weight"]);
        // heads × d_kv = 16 differs from d_model = 32: q projects into it, o back out of it.
        Assert.Equal(new long[] { 16, 32 }, names["encoder.block.0.layer.0.SelfAttention.q.weight"]);
        Assert.Equal(new long[] { 32, 16 }, names["decoder.block.1.layer.1.EncDecAttention.o.weight"]);
        Assert.Throws<ArgumentException>(() => T5ParameterNames.ToHuggingFace("encoder.0.attention.W_x.weight"));
    }

    [Fact]
    public void ConfigJsonUsesT5ConfigsFieldNames()
    {
        var json = ConfigJson.ToJson(Small);
        foreach (string field in new[] { "vocab_size", "d_model", "d_kv", "d_ff", "num_layers", "num_decoder_layers", "num_heads",
                                         "relative_attention_num_buckets", "relative_attention_max_distance", "feed_forward_proj",
                                         "tie_word_embeddings", "dropout_rate", "layer_norm_epsilon" })
            Assert.True(json.ContainsKey(field), field);
        Assert.Equal(Small, ConfigJson.FromJson<T5Config>(json, "test"));
        Assert.Throws<UserError>(() => new T5Model(Small with { FeedForwardProj = "swish" }));
    }

    [Fact]
    public void InitialisationFoldsTheScaleIntoTheWeights()
    {
        TestSupport.Seed(3);
        var config = new T5Config(VocabSize: 2000, DModel: 128, DKv: 32, DFf: 256, NumLayers: 1, NumHeads: 4);
        using var model = new T5Model(config);
        var p = T5ParameterNames.Map(model).Zip(model.parameters()).ToDictionary(x => x.First.huggingFace, x => x.Second);
        double Std(string name) => p[name].std().item<float>();
        Assert.Equal(1.0, Std("shared.weight"), 1);
        Assert.Equal(Math.Pow(128 * 32, -0.5), Std("encoder.block.0.layer.0.SelfAttention.q.weight"), 3);
        Assert.Equal(Math.Pow(128, -0.5), Std("encoder.block.0.layer.0.SelfAttention.k.weight"), 2);
        Assert.Equal(Math.Pow(128, -0.5), Std("decoder.block.0.layer.1.EncDecAttention.v.weight"), 2);
        Assert.Equal(Math.Pow(4 * 32, -0.5), Std("decoder.block.0.layer.0.SelfAttention.o.weight"), 2);
        Assert.Equal(Math.Pow(256, -0.5), Std("encoder.block.0.layer.1.DenseReluDense.wo.weight"), 2);
        Assert.Equal(1.0, p["encoder.final_layer_norm.weight"].mean().item<float>());
    }

    [Fact]
    public void StepByStepDecodingWithTheCacheEqualsTheFullForward()
    {
        TestSupport.Seed(4);
        using var model = new T5Model(Small);
        model.eval();
        using var noGrad = no_grad();
        using var source = randint(3, 150, new long[] { 2, 7 });
        using var lens = tensor(new long[] { 7, 4 });
        using var target = randint(3, 150, new long[] { 2, 5 });
        using var full = model.Logits(source, lens, target);
        using var state = model.Start(source, lens);
        for (int t = 0; t < 5; t++)
        {
            using var step = model.Step(target[.., t..(t + 1)], state);
            Assert.True(TestSupport.MaxAbsDiff(full[.., t..(t + 1)], step) < 1e-4, $"step {t}");
        }
    }

    [Fact]
    public void PaddingDoesNotChangeTheOutputs()
    {
        TestSupport.Seed(5);
        using var model = new T5Model(Small);
        model.eval();
        using var noGrad = no_grad();
        using var source = randint(3, 150, new long[] { 1, 6 });
        using var padded = cat(new[] { source, zeros(1, 3, ScalarType.Int64) }, 1);
        using var decoderInput = randint(3, 150, new long[] { 1, 4 });
        using var plain = model.Logits(source, tensor(new long[] { 6 }), decoderInput);
        using var withPadding = model.Logits(padded, tensor(new long[] { 6 }), decoderInput);
        Assert.True(TestSupport.MaxAbsDiff(plain, withPadding) < 1e-5);
    }

    /// <summary>
    /// The same weights, exported under their Hugging Face names, in a plain-PyTorch T5 written after modeling_t5: the
    /// logits agree, for v1.0 (ReLU, tied) and v1.1 (gated GELU, untied, heads × d_kv ≠ d_model).
    /// </summary>
    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void MatchesAPyTorchT5WithTheSameWeights(bool v11)
    {
        string python = TestSupport.PythonWith("torch", "python3-torch", "T5_REFERENCE_PYTHON");
        TestSupport.Seed(6);
        var config = v11 ? Small with { FeedForwardProj = T5Config.GatedGelu, TieWordEmbeddings = false, DKv = 4, NumDecoderLayers = 3 } : Small;
        using var model = new T5Model(config);
        model.eval();
        // Through the Hugging Face export: config.json and model.safetensors are what the reference reads.
        string folder = TestSupport.TempFolder();
        File.WriteAllText(Path.Combine(folder, "config.json"), T5HuggingFace.ToConfig(config).ToJsonString());
        SafeTensors.Write(Path.Combine(folder, "model.safetensors"), T5HuggingFace.Export(model));
        // Row 2 has three padding positions; sources long enough to reach the logarithmic buckets.
        using var source = randint(3, 150, new long[] { 2, 30 });
        source[1, 27..] = tensor(0L);
        using var mask = ones(2, 30, ScalarType.Int64);
        mask[1, 27..] = tensor(0L);
        using var decoderInput = randint(3, 150, new long[] { 2, 25 });
        void Write(string name, Tensor t) => File.WriteAllBytes(Path.Combine(folder, name + ".bin"), MemoryMarshal.AsBytes(t.data<long>().ToArray().AsSpan()).ToArray());
        Write("source", source);
        Write("source_mask", mask);
        Write("decoder_input", decoderInput);
        var (code, _, errors) = TestSupport.RunPython(python, Path.Combine(TestSupport.RepositoryRoot, "tests", "TransformerSharp.Tests", "Models", "t5_reference.py"), folder, "2");
        Assert.True(code == 0, errors);

        using var noGrad = no_grad();
        using var logits = model.Logits(source, tensor(new long[] { 30, 27 }), decoderInput);
        float[] expected = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(folder, "logits.bin"))).ToArray();
        using var reference = tensor(expected).reshape(2, 25, 150);
        double diff = TestSupport.MaxAbsDiff(logits, reference);
        Assert.True(diff < 1e-3, $"logits differ by {diff}");
    }

    [Fact]
    public void ShiftRightPutsTheStartTokenFirst()
    {
        using var labels = tensor(new long[] { 5, 6, 1, 7, 1, 0 }).reshape(2, 3);
        using var shifted = T5Model.ShiftRight(labels, 0);
        Assert.Equal(new long[] { 0, 5, 6, 0, 7, 1 }, shifted.data<long>().ToArray());
    }

    [Fact]
    public void CopyWithAnotherDropoutRateKeepsTheWeights()
    {
        TestSupport.Seed(3);
        var original = new T5Model(Small with { DropoutRate = 0.0 });
        using var source = randint(3, 150, new long[] { 2, 12 });
        using var lens = tensor(new long[] { 12, 9 });
        using var decoderInput = randint(3, 150, new long[] { 2, 7 });
        original.eval();
        using var before = original.Logits(source, lens, decoderInput).detach();

        using var copy = original.CopyWith(original.Config with { DropoutRate = 0.5 });
        Assert.Equal(0.5, copy.Config.DropoutRate);
        copy.eval();
        using (no_grad())
        using (var after = copy.Logits(source, lens, decoderInput))
            Assert.Equal(0.0, TestSupport.MaxAbsDiff(before, after));
        copy.train();
        using (no_grad())
        using (var dropped = copy.Logits(source, lens, decoderInput))
            Assert.True(TestSupport.MaxAbsDiff(before, dropped) > 1e-3, "dropout 0.5 should change the training-mode logits");
        Assert.Throws<ArgumentException>(() => new T5Model(Small).CopyWith(Small with { NumLayers = 1 }));
    }
}
