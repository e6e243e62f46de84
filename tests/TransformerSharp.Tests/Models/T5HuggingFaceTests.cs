using System.Text.Json.Nodes;
using TransformerSharp.Checkpoints;
using TransformerSharp.Interop;
using TransformerSharp.Models.T5;
using TransformerSharp.Text;
using Xunit;
using static TorchSharp.torch;
using T5Model = TransformerSharp.Models.T5.T5;

namespace TransformerSharp.Tests.Models;

public class T5HuggingFaceTests
{
    /// <summary>t5-small's config.json as published on the Hugging Face hub (task_specific_params shortened to summarization).</summary>
    const string T5SmallConfig = """
        {"architectures": ["T5ForConditionalGeneration"], "d_ff": 2048, "d_kv": 64, "d_model": 512, "decoder_start_token_id": 0,
         "dropout_rate": 0.1, "eos_token_id": 1, "initializer_factor": 1.0, "is_encoder_decoder": true, "layer_norm_epsilon": 1e-06,
         "model_type": "t5", "n_positions": 512, "num_heads": 8, "num_layers": 6, "output_past": true, "pad_token_id": 0,
         "relative_attention_num_buckets": 32,
         "task_specific_params": {"summarization": {"early_stopping": true, "length_penalty": 2.0, "max_length": 200, "min_length": 30,
                                                    "no_repeat_ngram_size": 3, "num_beams": 4, "prefix": "summarize: "}},
         "vocab_size": 32128}
        """;

    [Fact]
    public void T5SmallsConfigGivesT5SmallsShape()
    {
        var config = T5HuggingFace.FromConfig(JsonNode.Parse(T5SmallConfig)!.AsObject(), "t5-small/config.json");
        Assert.Equal(new T5Config(VocabSize: 32128), config);
        using var model = new T5Model(config);
        Assert.Equal(60_506_624, model.ParameterCount);                     // t5-small's published parameter count
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnExportedDirectoryLoadsBackWithTheSameLogitsTokenizerAndPrefix(bool v11)
    {
        TestSupport.Seed(5);
        var tokenizer = T5Tokenizer.Learn(new[] { "#Person1#: hello there", "#Person2#: the cat sat on the mat" }, merges: 20);
        var config = new T5Config(tokenizer.VocabSize, DModel: 16, DKv: 4, DFf: 32, NumLayers: 1, NumHeads: 2, RelativeAttentionNumBuckets: 8,
                                  RelativeAttentionMaxDistance: 16);
        if (v11) config = config with { FeedForwardProj = T5Config.GatedGelu, TieWordEmbeddings = false, NumDecoderLayers = 2 };
        using var model = new T5Model(config);
        var text = new T5TextSettings(T5TextSettings.Summarize, "summarize: ", 64, 24);
        string checkpoint = Path.Combine(TestSupport.TempFolder(), "t5.ckpt"), folder = TestSupport.TempFolder();
        Checkpoint.Save(checkpoint, T5Checkpoint.Kind, T5Checkpoint.Describe(model, tokenizer, text, preset: null), model);
        HuggingFaceExport.Export(checkpoint, folder);

        var (loaded, loadedTokenizer, loadedText) = T5HuggingFace.Load(folder);
        using var disposeLoaded = loaded;
        Assert.Equal(config with { NumDecoderLayers = config.DecoderLayers }, loaded.Config);
        Assert.Equal(tokenizer.Describe().ToJsonString(), loadedTokenizer.Describe().ToJsonString());
        Assert.Equal(text, loadedText);
        using var source = tensor(tokenizer.EncodeSource("summarize: ", "hello the cat", 64, out _)).unsqueeze(0);
        using var target = tensor(new long[] { 0, 5, 6, 7 }).unsqueeze(0);
        using var lens = tensor(new[] { source.shape[1] });
        using var noGrad = no_grad();
        model.eval();
        Assert.Equal(0.0, TestSupport.MaxAbsDiff(model.Logits(source, lens, target), loaded.Logits(source, lens, target)));
    }

    [SkippableFact]
    public void AT5DirectoryWithT5sOwnSentencePieceTokenizerLoadsAndExportsIt()
    {
        string python = TestSupport.PythonWith("sentencepiece", "python3-sentencepiece", "SENTENCEPIECE_REFERENCE_PYTHON");
        string work = TestSupport.TempFolder();
        var (code, _, errors) = TestSupport.RunPython(python, Path.Combine(TestSupport.RepositoryRoot, "tests", "TransformerSharp.Tests", "Text", "sentencepiece_reference.py"),
                                                      work, "[]");
        Assert.True(code == 0, errors);
        var tokenizer = T5SentencePieceTokenizer.Read(Path.Combine(work, "spiece.model"));
        TestSupport.Seed(6);
        using var model = new T5Model(new T5Config(tokenizer.VocabSize + 28, DModel: 16, DKv: 4, DFf: 32, NumLayers: 1, NumHeads: 2,
                                                   RelativeAttentionNumBuckets: 8, RelativeAttentionMaxDistance: 16));
        string checkpoint = Path.Combine(TestSupport.TempFolder(), "t5.ckpt"), folder = TestSupport.TempFolder();
        Checkpoint.Save(checkpoint, T5Checkpoint.Kind, T5Checkpoint.Describe(model, tokenizer, new T5TextSettings(T5TextSettings.Summarize, "summarize: ", 64, 24), null), model);
        HuggingFaceExport.Export(checkpoint, folder);
        Assert.Equal(File.ReadAllBytes(Path.Combine(work, "spiece.model")), File.ReadAllBytes(Path.Combine(folder, "spiece.model")));

        File.Delete(Path.Combine(folder, HuggingFaceDirectory.OurTokenizerFile));   // as a directory from the hub: spiece.model alone
        var (loaded, loadedTokenizer, _) = T5HuggingFace.Load(folder);
        using var disposeLoaded = loaded;
        Assert.Equal("t5-sentencepiece", loadedTokenizer.Kind);
        Assert.Equal(tokenizer.Encode("the cat <extra_id_0> park"), loadedTokenizer.Encode("the cat <extra_id_0> park"));
        // The preset's word n-grams need pieces that mark where words end: a SentencePiece T5 decodes with token n-grams
        // unless asked for words, which it refuses by name.
        var summary = Cli.CliRunner.Run("t5", "summarize", "--pretrained", folder, "the cat sat in the park");
        Assert.True(summary.code == 0, summary.error);
        Assert.Contains("--no-repeat-unit word needs a tokenizer that marks where words end",
                        Cli.CliRunner.Run("t5", "summarize", "--pretrained", folder, "--no-repeat-unit", "word", "the cat").error);

        File.WriteAllBytes(Path.Combine(folder, "spiece.model"), new byte[] { 0x0A, 0x05 });
        Assert.Contains("spiece.model: not a SentencePiece model", Assert.Throws<InvalidDataException>(() => T5HuggingFace.Load(folder)).Message);
    }

    [Fact]
    public void UnknownProjectionsAreRefusedByName()
    {
        var json = JsonNode.Parse(T5SmallConfig)!.AsObject();
        json["feed_forward_proj"] = "gated-silu";
        var error = Assert.Throws<UserError>(() => T5HuggingFace.FromConfig(json, "t5/config.json"));
        Assert.Contains("feed_forward_proj = \"gated-silu\" is not implemented here (supported: relu or gated-gelu)", error.Message);
    }
}
