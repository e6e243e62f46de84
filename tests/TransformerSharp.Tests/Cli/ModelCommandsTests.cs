using System.CommandLine;
using System.Text.Json.Nodes;
using TransformerSharp.Checkpoints;
using TransformerSharp.Cli;
using TransformerSharp.Models;
using TransformerSharp.Models.Bert;
using TransformerSharp.Models.Gpt;
using TransformerSharp.Models.LeNet;
using TransformerSharp.Models.Translator;
using TransformerSharp.Models.Vit;
using TransformerSharp.Data;
using TransformerSharp.Text;
using TransformerSharp.Training;
using Xunit;

namespace TransformerSharp.Tests.Cli;

/// <summary>presets, info, the error guard, and the defects found while unifying the families.</summary>
public class ModelCommandsTests
{
    static (int code, string output, string error) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void PresetsListsEveryPresetOfEveryFamilyWithItsSettings()
    {
        var run = Run("presets");
        Assert.True(run.code == 0, run.error);
        var names = GptPresets.All.Select(p => p.Name).Concat(TranslatorPresets.All.Select(p => p.Name))
            .Concat(BertPresets.Pretraining.Select(p => p.Name)).Concat(BertPresets.Nli.Select(p => p.Name))
            .Concat(VitPresets.All.Select(p => p.Name)).Concat(TransformerSharp.Models.T5.T5Presets.All.Select(p => p.Name)).ToList();
        Assert.Equal(17, names.Count);
        foreach (string name in names) Assert.Contains($"· {name}", run.output);
        // Two families have a d2l preset: both are shown, unless --family picks one.
        Assert.Contains("translator · d2l", Run("presets", "d2l").output);
        Assert.Contains("vit · d2l", Run("presets", "d2l").output);
        var vit = Run("presets", "d2l", "--family", "vit");
        Assert.Equal(512, JsonNode.Parse(vit.output[vit.output.IndexOf('{')..])!["model"]!["width"]!.GetValue<int>());
        var d2l = Run("presets", "d2l", "--family", "translator");
        var recipe = JsonNode.Parse(d2l.output[d2l.output.IndexOf('{')..])!;
        Assert.Equal(256, recipe["transformer"]!["width"]!.GetValue<int>());
        Assert.Equal(30, recipe["training"]!["epochs"]!.GetValue<int>());
        Assert.Equal(9, recipe["data"]!["num_steps"]!.GetValue<int>());
        Assert.Contains("unknown", string.Concat(Run("presets", "nope").error, "unknown").ToLowerInvariant());
        Assert.Equal(1, Run("presets", "nope").code);
    }

    [Fact]
    public void EveryPresetRecipeSurvivesJson()
    {
        foreach (var preset in ModelCatalog.Presets())
        {
            object back = preset.Family switch
            {
                "gpt" => ConfigJson.FromJson<GptRecipe>(preset.Recipe, preset.Name),
                "translator" => ConfigJson.FromJson<TranslatorRecipe>(preset.Recipe, preset.Name),
                "vit" => ConfigJson.FromJson<ImageRecipe>(preset.Recipe, preset.Name),
                "t5" => ConfigJson.FromJson<TransformerSharp.Models.T5.T5Recipe>(preset.Recipe, preset.Name),
                _ when preset.Name.StartsWith("nli") => ConfigJson.FromJson<NliRecipe>(preset.Recipe, preset.Name),
                _ => ConfigJson.FromJson<BertPretrainingRecipe>(preset.Recipe, preset.Name),
            };
            Assert.Equal(preset.Recipe.ToJsonString(), ConfigJson.ToJson(back).ToJsonString());
        }
    }

    /// <summary>A checkpoint of each registered kind, written as training writes it, read back by `info`.</summary>
    [Fact]
    public void InfoDescribesEveryKindOfCheckpoint()
    {
        string dir = TestSupport.TempFolder();
        TestSupport.Seed(1);
        var chars = CharTokenizer.FromText("abc ");
        var gpt = new Gpt(new GptConfig(1, 2, 8, 8, chars.VocabSize));
        var words = new Vocabulary(new[] { "a b c".Split(' ') }, 1, new[] { Vocabulary.Pad, "<cls>", "<sep>", "<mask>" });
        var bertConfig = BertConfig.D2LSmall(words.Count) with { Width = 8, FfnWidth = 8, Layers = 1 };
        var data = TranslationSetup.D2L("go .\tva !\ni lost .\tj'ai perdu .\n", numTrain: 1, numValid: 1, numSteps: 4).Data;
        var translator = new Transformer(new TransformerConfig(data.SourceVocab.Count, data.TargetVocab.Count, 8, 1, 2, 8, 0.1));
        var t5Tokenizer = T5Tokenizer.Learn(new[] { "a b c a b" }, merges: 2);
        var t5 = new TransformerSharp.Models.T5.T5(new TransformerSharp.Models.T5.T5Config(t5Tokenizer.VocabSize, DModel: 8, DKv: 2, DFf: 8, NumLayers: 1, NumHeads: 4));
        var cases = new (string kind, TorchSharp.torch.nn.Module model, JsonObject metadata)[]
        {
            (GptCheckpoint.Kind, gpt, GptCheckpoint.Describe(gpt.Config, chars)),
            (TranslatorCheckpoint.Kind, translator, TranslatorCheckpoint.Describe(translator, data, "d2l")),
            (BertCheckpoint.PretrainingKind, new BertForPretraining(bertConfig), BertCheckpoint.Describe(bertConfig, words)),
            (BertCheckpoint.ClassifierKind, new BertClassifier(new Bert(bertConfig), 3),
             BertCheckpoint.Describe(bertConfig, words, new JsonObject { ["labels"] = new JsonArray("entailment", "neutral", "contradiction") })),
            (ImageClassifierCheckpoint.VitKind, new Vit(VitPresets.Tiny.Model as VitConfig ?? throw new InvalidOperationException()),
             ImageClassifierCheckpoint.Describe(VitPresets.Tiny.Model, FashionMnist.ClassNames)),
            (ImageClassifierCheckpoint.LeNetKind, new LeNet(new LeNetConfig()), ImageClassifierCheckpoint.Describe(new LeNetConfig(), FashionMnist.ClassNames)),
            (TransformerSharp.Models.T5.T5Checkpoint.Kind, t5, TransformerSharp.Models.T5.T5Checkpoint.Describe(t5, t5Tokenizer,
                new TransformerSharp.Models.T5.T5TextSettings("summarize", "summarize: ", 16, 8), "tiny")),
        };
        Assert.Equal(cases.Select(c => c.kind).Order(), ModelRegistry.Kinds.Order());
        foreach (var (kind, model, metadata) in cases)
        {
            string path = Path.Combine(dir, kind + ".ckpt");
            metadata["training"] = new JsonObject { ["next_step"] = 7, ["best_valid_loss"] = 1.5, ["seed"] = 3 };
            Checkpoint.Save(path, kind, metadata, model);
            var run = Run("info", "--model", path);
            Assert.True(run.code == 0, run.error);
            var info = JsonNode.Parse(run.output)!;
            Assert.Equal(kind, info["kind"]!.GetValue<string>());
            Assert.Equal(model.parameters().Sum(p => p.numel()), info["parameters"]!.GetValue<long>());
            Assert.Equal(metadata["config"]!.ToJsonString(), info["config"]!.ToJsonString());
            Assert.Equal(7, info["training"]!["step"]!.GetValue<int>());
            Assert.Equal(1.5, info["training"]!["best_valid_loss"]!.GetValue<double>());
            if (kind is ImageClassifierCheckpoint.VitKind or ImageClassifierCheckpoint.LeNetKind)
                Assert.Equal("Ankle boot", info["classes"]![9]!.GetValue<string>());
            else Assert.NotNull(info["tokenizer"]);
        }
        var gptInfo = JsonNode.Parse(Run("info", "--model", Path.Combine(dir, "gpt.ckpt")).output)!;
        Assert.Equal("char", gptInfo["tokenizer"]!["kind"]!.GetValue<string>());
        Assert.Equal(4, gptInfo["tokenizer"]!["vocab_size"]!.GetValue<int>());
        var translatorInfo = JsonNode.Parse(Run("info", "--model", Path.Combine(dir, "translator.ckpt")).output)!;
        Assert.Equal("transformer", translatorInfo["config"]!["architecture"]!.GetValue<string>());
        Assert.Equal(data.TargetVocab.Count, translatorInfo["tokenizer"]!["target"]!["vocab_size"]!.GetValue<int>());

        string junk = Path.Combine(dir, "junk.ckpt");
        File.WriteAllText(junk, "not a checkpoint");
        var bad = Run("info", "--model", junk);
        Assert.Equal(1, bad.code);
        Assert.StartsWith($"error: {junk}", bad.error);
    }

    [Fact]
    public void UserErrorsAreOneLineAndBugsKeepTheirStackTrace()
    {
        var context = new CliContext(TextWriter.Null, new StringWriter());
        var parse = new RootCommand().Parse(Array.Empty<string>());
        Assert.Equal(1, context.Guard(parse, () => throw new UserError("--lr must be positive")));
        Assert.Contains("error: --lr must be positive", context.Error.ToString());
        var bug = Assert.Throws<InvalidOperationException>(() => context.Guard(parse, () => throw new InvalidOperationException("internal")));
        Assert.NotNull(bug.StackTrace);
        Assert.Throws<ArgumentException>(() => context.Guard(parse, () => throw new ArgumentException("a bug too")));
    }

    [Fact]
    public void KernelRegressionAcceptsBothSpellingsOfEpanechnikov()
    {
        foreach (string spelling in new[] { "epanechnikov", "epanechikov" })
        {
            var run = Run("kernel-regression", "--kernel", spelling, "--out", TestSupport.TempFolder());
            Assert.True(run.code == 0, run.error);
            Assert.Contains("Epanechikov kernel, bandwidth 1: MSE against f on the 50 queries = 0.5313", run.output);
        }
    }

    [Fact]
    public void FewShotSaysWhenTrainingOptionsAreIgnored()
    {
        string dir = TestSupport.TempFolder();
        var first = Run("gpt", "fewshot", "--out", dir, "--iterations", "3", "--trials", "2", "--shots", "0");
        Assert.True(first.code == 0, first.error);
        Assert.DoesNotContain("ignored", first.error);
        var again = Run("gpt", "fewshot", "--out", dir, "--iterations", "50", "--trials", "2", "--shots", "0");
        Assert.True(again.code == 0, again.error);
        Assert.Contains("--iterations and --lr are ignored", again.error);
        Assert.Contains("error: --shots", Run("gpt", "fewshot", "--out", dir, "--shots", "1,x").error);
    }
}

/// <summary>Runs alone: it counts MiniLM loads, which other tests would add to.</summary>
[CollectionDefinition("alone", DisableParallelization = true)]
public class AloneCollection;

[Collection("alone")]
public class EmbedLoadTests
{
    static (int code, string output, string error) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void EmbedLoadsTheModelOnceForAllBatches()
    {
        string input = Path.Combine(TestSupport.TempFolder(), "lines.txt");
        File.WriteAllLines(input, Enumerable.Range(0, 70).Select(i => $"sentence number {i}"));
        int before = MiniLm.Loads;
        var run = Run("bert", "embed", "--input", input, "--output", Path.Combine(TestSupport.TempFolder(), "out.jsonl"));
        Assert.True(run.code == 0, run.error);
        Assert.Equal(1, MiniLm.Loads - before);                      // 70 lines are three batches of at most 32
    }
}
