using System.Text.Json.Nodes;
using TransformerSharp.Checkpoints;
using TransformerSharp.Interop;
using TransformerSharp.Models.Bert;
using TransformerSharp.Text;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Models;

public class BertHuggingFaceTests
{
    /// <summary>bert-base-uncased's config.json as published on the Hugging Face hub.</summary>
    const string BertBaseConfig = """
        {"architectures": ["BertForMaskedLM"], "attention_probs_dropout_prob": 0.1, "gradient_checkpointing": false, "hidden_act": "gelu",
         "hidden_dropout_prob": 0.1, "hidden_size": 768, "initializer_range": 0.02, "intermediate_size": 3072, "layer_norm_eps": 1e-12,
         "max_position_embeddings": 512, "model_type": "bert", "num_attention_heads": 12, "num_hidden_layers": 12, "pad_token_id": 0,
         "position_embedding_type": "absolute", "transformers_version": "4.6.0.dev0", "type_vocab_size": 2, "use_cache": true, "vocab_size": 30522}
        """;

    /// <summary>bert-base-uncased's BertModel names and shapes.</summary>
    static Dictionary<string, long[]> BertBaseCheckpoint()
    {
        const long d = 768, ff = 3072;
        var names = new Dictionary<string, long[]>
        {
            ["embeddings.word_embeddings.weight"] = new[] { 30522L, d }, ["embeddings.position_embeddings.weight"] = new[] { 512L, d },
            ["embeddings.token_type_embeddings.weight"] = new[] { 2L, d }, ["embeddings.LayerNorm.weight"] = new[] { d }, ["embeddings.LayerNorm.bias"] = new[] { d },
            ["pooler.dense.weight"] = new[] { d, d }, ["pooler.dense.bias"] = new[] { d },
        };
        for (int i = 0; i < 12; i++)
        {
            string p = $"encoder.layer.{i}.";
            foreach (string dense in new[] { "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense" })
            {
                names[p + dense + ".weight"] = new[] { d, d };
                names[p + dense + ".bias"] = new[] { d };
            }
            foreach (string norm in new[] { "attention.output.LayerNorm", "output.LayerNorm" }) { names[p + norm + ".weight"] = new[] { d }; names[p + norm + ".bias"] = new[] { d }; }
            names[p + "intermediate.dense.weight"] = new[] { ff, d };
            names[p + "intermediate.dense.bias"] = new[] { ff };
            names[p + "output.dense.weight"] = new[] { d, ff };
            names[p + "output.dense.bias"] = new[] { d };
        }
        return names;
    }

    [Fact]
    public void BertBasesConfigGivesAModelWhoseWeightsAreExactlyBertModelsNamesAndShapes()
    {
        var config = BertHuggingFace.FromConfig(JsonNode.Parse(BertBaseConfig)!.AsObject(), "bert-base-uncased/config.json");
        using var model = new Bert(config);
        var exported = BertHuggingFace.Export(model);
        var expected = BertBaseCheckpoint();
        Assert.Equal(199, expected.Count);
        Assert.Equal(expected.Keys.Order(), exported.Select(t => t.name).Order());
        foreach (var (name, value) in exported) Assert.True(expected[name].SequenceEqual(value.shape), name);
        Assert.Equal(109_482_240, model.parameters().Sum(p => p.numel()));      // bert-base-uncased's BertModel
        // Every name maps back onto ours, so the ONNX loader and the safetensors loader agree.
        Assert.All(exported, t => Assert.NotNull(BertHuggingFace.OurName(t.name)));
    }

    [Fact]
    public void MiniLmExportedAndLoadedBackGivesTheSameEmbeddings()
    {
        string folder = TestSupport.TempFolder();
        var files = HuggingFaceExport.Export(HuggingFaceExport.MiniLmName, folder);
        Assert.Contains(Path.Combine(folder, "vocab.txt"), files);
        var (model, tokenizer) = BertHuggingFace.Load(folder);
        using var _ = model;
        string[] sentences = { "A man is playing a guitar.", "Das ist ein Test — with ünïcödé and [brackets]!", "short" };
        var original = SentenceEmbedder.MiniLM().Embed(sentences);
        var loaded = new SentenceEmbedder(model, tokenizer).Embed(sentences);
        Assert.Equal(original.inputs.Select(i => i.Ids), loaded.inputs.Select(i => i.Ids));
        for (int i = 0; i < sentences.Length; i++) Assert.Equal(original.embeddings[i], loaded.embeddings[i]);

        // Without our tokenizer file, vocab.txt and tokenizer_config.json give the same WordPiece tokens.
        File.Delete(Path.Combine(folder, HuggingFaceDirectory.OurTokenizerFile));
        var fromVocab = HuggingFaceDirectory.ReadBertTokenizer(folder);
        Assert.Equal(original.inputs.Select(i => i.Ids), sentences.Select(s => fromVocab.EncodeInput(s).Ids));
    }

    [Fact]
    public void AFineTunedClassifierIsWrittenAsBertForSequenceClassification()
    {
        TestSupport.Seed(4);
        var tokenizer = new BertWordPiece(new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat" });
        var config = new BertConfig(tokenizer.VocabSize, Width: 16, Layers: 1, Heads: 2, FfnWidth: 32, MaxPositions: 32);
        using var classifier = new BertClassifier(new Bert(config), classes: 3);
        string checkpoint = Path.Combine(TestSupport.TempFolder(), "nli.ckpt"), folder = TestSupport.TempFolder();
        var labels = new JsonObject { ["labels"] = new JsonArray("entailment", "neutral", "contradiction") };
        Checkpoint.Save(checkpoint, BertCheckpoint.ClassifierKind, BertCheckpoint.Describe(config, tokenizer, labels), classifier);
        HuggingFaceExport.Export(checkpoint, folder);

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "config.json")))!;
        Assert.Equal("BertForSequenceClassification", json["architectures"]![0]!.GetValue<string>());
        Assert.Equal("contradiction", json["id2label"]!["2"]!.GetValue<string>());
        var tensors = SafeTensors.Read(Path.Combine(folder, "model.safetensors"));
        Assert.Equal(new long[] { 3, 16 }, tensors["classifier.weight"].shape);
        Assert.Contains("bert.pooler.dense.weight", tensors.Keys);

        var (encoder, _) = BertHuggingFace.Load(folder);                   // the encoder, its classifier read past
        using var ids = tensor(new long[] { 2, 5, 6, 7, 3 }).unsqueeze(0);
        using var noGrad = no_grad();
        classifier.eval();
        Assert.Equal(0.0, TestSupport.MaxAbsDiff(classifier.Encoder.forward(ids), encoder.forward(ids)));
    }

    [Fact]
    public void D2LsSmallBertCannotBeWrittenAsABertModel()
    {
        var error = Assert.Throws<UserError>(() => BertHuggingFace.ToConfig(BertConfig.D2LSmall(100)));
        Assert.Contains("no LayerNorm on its embeddings", error.Message);
    }

    [Theory]
    [InlineData("hidden_act", "\"silu\"", "hidden_act = \"silu\" is not implemented here")]
    [InlineData("position_embedding_type", "\"relative_key\"", "position_embedding_type = \"relative_key\" is not implemented here")]
    [InlineData("is_decoder", "true", "is_decoder = true is not implemented here")]
    public void ConfigFieldsThisBuildDoesNotImplementAreNamed(string field, string value, string message)
    {
        var json = JsonNode.Parse(BertBaseConfig)!.AsObject();
        json[field] = JsonNode.Parse(value);
        var error = Assert.Throws<UserError>(() => BertHuggingFace.FromConfig(json, "bert/config.json"));
        Assert.Contains(message, error.Message);
    }
}
