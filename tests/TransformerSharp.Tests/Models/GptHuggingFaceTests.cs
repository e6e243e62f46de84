using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using TransformerSharp.Checkpoints;
using TransformerSharp.Interop;
using TransformerSharp.Layers;
using TransformerSharp.Models.Gpt;
using TransformerSharp.Text;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Models;

public class GptHuggingFaceTests
{
    /// <summary>gpt2's config.json as published on the Hugging Face hub.</summary>
    const string Gpt2Config = """
        {"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1, "bos_token_id": 50256,
         "embd_pdrop": 0.1, "eos_token_id": 50256, "initializer_range": 0.02, "layer_norm_epsilon": 1e-05, "model_type": "gpt2",
         "n_ctx": 1024, "n_embd": 768, "n_head": 12, "n_layer": 12, "n_positions": 1024, "resid_pdrop": 0.1, "summary_activation": null,
         "summary_first_dropout": 0.1, "summary_proj_to_labels": true, "summary_type": "cls_index", "summary_use_proj": true,
         "task_specific_params": {"text-generation": {"do_sample": true, "max_length": 50}}, "vocab_size": 50257}
        """;

    /// <summary>gpt2's state-dict names and shapes (GPT2Model; Conv1D weights stored (in, out)).</summary>
    static Dictionary<string, long[]> Gpt2Checkpoint()
    {
        const long d = 768, vocab = 50257, positions = 1024;
        var names = new Dictionary<string, long[]> { ["wte.weight"] = new[] { vocab, d }, ["wpe.weight"] = new[] { positions, d } };
        for (int i = 0; i < 12; i++)
        {
            foreach (string norm in new[] { "ln_1", "ln_2" }) { names[$"h.{i}.{norm}.weight"] = new[] { d }; names[$"h.{i}.{norm}.bias"] = new[] { d }; }
            foreach (var (layer, input, output) in new[] { ("attn.c_attn", d, 3 * d), ("attn.c_proj", d, d), ("mlp.c_fc", d, 4 * d), ("mlp.c_proj", 4 * d, d) })
            {
                names[$"h.{i}.{layer}.weight"] = new[] { input, output };
                names[$"h.{i}.{layer}.bias"] = new[] { output };
            }
        }
        names["ln_f.weight"] = new[] { d };
        names["ln_f.bias"] = new[] { d };
        return names;
    }

    [Fact]
    public void Gpt2sConfigGivesAModelWhoseWeightsAreExactlyGpt2sNamesAndShapes()
    {
        var config = GptHuggingFace.FromConfig(JsonNode.Parse(Gpt2Config)!.AsObject(), "gpt2/config.json");
        Assert.Equal(new GptConfig(12, 12, 768, 1024, 50257, Activation: Activation.GeluTanh), config);
        using var model = new Gpt(config);
        var exported = GptHuggingFace.Export(model);
        var expected = Gpt2Checkpoint();
        Assert.Equal(148, expected.Count);
        Assert.Equal(expected.Keys.Order(), exported.Select(t => t.name).Order());
        foreach (var (name, value) in exported) Assert.True(expected[name].SequenceEqual(value.shape), $"{name}: [{string.Join(", ", value.shape)}]");
        Assert.Equal(124_439_808, model.ParameterCount);                    // gpt2's published parameter count
    }

    /// <summary>A small GPT with every weight random (biases and norms too, so a swapped or untransposed tensor shows).</summary>
    static Gpt RandomGpt(GptConfig config)
    {
        var model = new Gpt(config);
        using var noGrad = no_grad();
        foreach (var p in model.parameters()) p.copy_(randn(p.shape) * 0.3);
        model.eval();
        return model;
    }

    static string ExportCheckpoint(Gpt model, ITokenizer tokenizer)
    {
        string checkpoint = Path.Combine(TestSupport.TempFolder(), "model.ckpt"), folder = TestSupport.TempFolder();
        Checkpoint.Save(checkpoint, GptCheckpoint.Kind, GptCheckpoint.Describe(model.Config, tokenizer), model);
        HuggingFaceExport.Export(checkpoint, folder);
        return folder;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AnExportedDirectoryLoadsBackWithTheSameLogits(bool bias)
    {
        TestSupport.Seed(1);
        var tokenizer = CharTokenizer.FromText("abcdefgh ");
        using var model = RandomGpt(new GptConfig(2, 2, 16, 12, tokenizer.VocabSize, Bias: bias));
        string folder = ExportCheckpoint(model, tokenizer);
        var (loaded, loadedTokenizer) = GptHuggingFace.Load(folder);
        using var _ = loaded;
        Assert.Equal(tokenizer.Describe().ToJsonString(), loadedTokenizer.Describe().ToJsonString());
        Assert.True(loaded.Config.Bias);                                      // GPT-2 always has biases: zeros stand in
        using var ids = tensor(tokenizer.Encode("abc defgh")).unsqueeze(0);
        using var noGrad = no_grad();
        Assert.Equal(0.0, TestSupport.MaxAbsDiff(model.forward(ids), loaded.forward(ids)));
    }

    [SkippableTheory]
    [InlineData(Activation.GeluTanh)]
    [InlineData(Activation.Gelu)]
    public void APyTorchGpt2ReadingTheExportComputesTheSameLogits(Activation activation)
    {
        string python = TestSupport.PythonWith("torch", "python3-torch", "GPT2_REFERENCE_PYTHON");
        TestSupport.Seed(2);
        var tokenizer = CharTokenizer.FromText("abcdefghij ");
        using var model = RandomGpt(new GptConfig(2, 4, 32, 16, tokenizer.VocabSize, Activation: activation));
        string folder = ExportCheckpoint(model, tokenizer);
        long[][] ids = { new long[] { 1, 5, 2, 9, 0, 3, 3, 7, 10, 4 }, new long[] { 6, 6, 1, 0, 2, 8, 9, 4, 5, 3 } };
        var (code, output, errors) = TestSupport.RunPython(python, Path.Combine(TestSupport.RepositoryRoot, "tests", "TransformerSharp.Tests", "Models", "gpt2_reference.py"),
                                                           folder, JsonSerializer.Serialize(ids));
        Assert.True(code == 0, errors);
        float[] expected = JsonNode.Parse(output)!.AsArray().SelectMany(row => row!.AsArray().SelectMany(position => position!.AsArray().Select(v => (float)v!.GetValue<double>()))).ToArray();
        using var noGrad = no_grad();
        using var logits = model.forward(tensor(ids.SelectMany(r => r).ToArray()).reshape(2, 10));
        double diff = TestSupport.MaxAbsDiff(logits, tensor(expected).reshape(logits.shape));
        Assert.True(diff < 1e-4, $"logits differ by {diff}");
    }

    [Theory]
    [InlineData("activation_function", "\"swish\"", "activation_function = \"swish\" is not implemented here (supported: gelu, gelu_new, gelu_pytorch_tanh or relu)")]
    [InlineData("n_inner", "100", "n_inner = 100 is not implemented here (supported: null or 4 × n_embd = 3072)")]
    [InlineData("scale_attn_by_inverse_layer_idx", "true", "scale_attn_by_inverse_layer_idx = true is not implemented here")]
    [InlineData("n_layer", "\"twelve\"", "'n_layer' is \"twelve\", not a number")]
    public void ConfigFieldsThisBuildDoesNotImplementAreNamed(string field, string value, string message)
    {
        var json = JsonNode.Parse(Gpt2Config)!.AsObject();
        json[field] = JsonNode.Parse(value);
        var error = Assert.ThrowsAny<Exception>(() => GptHuggingFace.FromConfig(json, "gpt2/config.json"));
        Assert.True(error is UserError or InvalidDataException, error.ToString());
        Assert.StartsWith("gpt2/config.json: ", error.Message);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void MissingAndUnknownWeightsAreNamed()
    {
        TestSupport.Seed(3);
        var config = new GptConfig(1, 2, 8, 8, 5);
        using var model = new Gpt(config);
        var tensors = GptHuggingFace.Export(model).ToDictionary(t => "transformer." + t.name, t => t.value);   // GPT2LMHeadModel's prefix is read
        tensors["h.0.attn.bias"] = ones(1, 1, 8, 8);                                                         // a causal-mask buffer is read past
        using (GptHuggingFace.Import(config, tensors, "dir")) { }

        tensors.Remove("transformer.h.0.mlp.c_fc.weight");
        var missing = Assert.Throws<InvalidDataException>(() => GptHuggingFace.Import(config, tensors, "dir"));
        Assert.Contains("missing, first h.0.mlp.c_fc.weight", missing.Message);

        tensors["transformer.h.0.mlp.c_fc.weight"] = zeros(8, 32);
        tensors["transformer.h.0.attn.rotary.weight"] = zeros(2);
        var unknown = Assert.Throws<InvalidDataException>(() => GptHuggingFace.Import(config, tensors, "dir"));
        Assert.Contains("does not implement, first h.0.attn.rotary.weight", unknown.Message);

        tensors.Remove("transformer.h.0.attn.rotary.weight");
        tensors["transformer.h.0.mlp.c_fc.weight"] = zeros(32, 8);                                          // Linear's layout, not Conv1D's
        var shape = Assert.Throws<InvalidDataException>(() => GptHuggingFace.Import(config, tensors, "dir"));
        Assert.Contains("'h.0.mlp.c_fc.weight' has shape [32, 8] but the config needs [8, 32]", shape.Message);
    }

    [Fact]
    public void ADirectoryOfAnotherFamilyOrWithPickledWeightsIsRefused()
    {
        string folder = TestSupport.TempFolder();
        File.WriteAllText(Path.Combine(folder, "config.json"), """{"model_type": "llama"}""");
        var family = Assert.Throws<UserError>(() => GptHuggingFace.Load(folder));
        Assert.Contains("model_type 'llama', but this command takes a 'gpt2' model", family.Message);

        File.WriteAllText(Path.Combine(folder, "config.json"), Gpt2Config);
        var tokenizer = CharTokenizer.FromText("ab");
        File.WriteAllText(Path.Combine(folder, HuggingFaceDirectory.OurTokenizerFile), tokenizer.Describe().ToJsonString());
        File.WriteAllBytes(Path.Combine(folder, "pytorch_model.bin"), new byte[] { 0x80, 0x02 });
        var pickled = Assert.Throws<UserError>(() => GptHuggingFace.Load(folder));
        Assert.Contains("pytorch_model.bin: a pickled PyTorch file can run code", pickled.Message);
    }
}
