using TransformerSharp.Checkpoints;
using TransformerSharp.Interop;
using TransformerSharp.Models;
using TransformerSharp.Models.Bert;
using TransformerSharp.Models.LeNet;
using TransformerSharp.Models.T5;
using TransformerSharp.Data;
using TransformerSharp.Text;
using Xunit;
using T5Model = TransformerSharp.Models.T5.T5;

namespace TransformerSharp.Tests.Cli;

/// <summary>export --format hf, and --pretrained DIR in the verbs that load a model: the same outputs as from the checkpoint.</summary>
public class ExportCliTests
{
    static (int code, string output, string error) Run(params string[] args) => CliRunner.Run(args);

    static string Export(string model)
    {
        string folder = TestSupport.TempFolder();
        var run = Run("export", "--model", model, "--format", "hf", "--out", folder);
        Assert.True(run.code == 0, run.error);
        Assert.Contains($"wrote {Path.Combine(folder, "model.safetensors")}", CliRunner.Unwrapped(run.output));
        return folder;
    }

    [Fact]
    public void AGptTrainedHereGeneratesAndScoresTheSameFromItsExportedDirectory()
    {
        string data = Path.Combine(TestSupport.TempFolder(), "corpus.txt"), runs = TestSupport.TempFolder();
        File.WriteAllText(data, string.Concat(Enumerable.Repeat("the cat sat on the mat. the dog sat on the log.\n", 60)));
        var train = Run("gpt", "train", "--data", data, "--out", runs, "--layers", "1", "--heads", "2", "--width", "32", "--context", "16",
                        "--batch-size", "8", "--iterations", "20", "--eval-interval", "20", "--eval-batches", "2", "--seed", "1");
        Assert.True(train.code == 0, train.error);
        string checkpoint = Path.Combine(runs, "last.ckpt"), folder = Export(checkpoint);

        string[] sampling = { "--prompt", "the ", "--max-new-tokens", "30", "--temperature", "0.9", "--seed", "7" };
        var fromCheckpoint = Run(new[] { "gpt", "generate", "--model", checkpoint }.Concat(sampling).ToArray());
        var fromDirectory = Run(new[] { "gpt", "generate", "--pretrained", folder }.Concat(sampling).ToArray());
        Assert.True(fromDirectory.code == 0, fromDirectory.error);
        Assert.Equal(fromCheckpoint.output, fromDirectory.output);

        var evalCheckpoint = Run("gpt", "eval", "--model", checkpoint, "--data", data, "--eval-batches", "2");
        var evalDirectory = Run("gpt", "eval", "--pretrained", folder, "--data", data, "--eval-batches", "2");
        Assert.Contains("validation loss", evalDirectory.output);
        Assert.Equal(evalCheckpoint.output, evalDirectory.output);

        var both = Run("gpt", "generate", "--model", checkpoint, "--pretrained", folder);
        Assert.Equal((1, "error: give either --model CKPT or --pretrained DIR"), (both.code, both.error.Trim()));
        var wrongFamily = Run("bert", "embed", "--pretrained", folder, "--input", data);
        Assert.Contains("model_type 'gpt2', but this command takes a 'bert' model", wrongFamily.error);
    }

    [Fact]
    public void FewShotOnAnExportedDirectoryScoresTheTextPromptsAsTheTrainedModelScoresItsTokens()
    {
        string runs = TestSupport.TempFolder();
        string[] evaluation = { "--shots", "0,8", "--trials", "40", "--seed", "3" };
        var trained = Run(new[] { "gpt", "fewshot", "--out", runs, "--iterations", "60" }.Concat(evaluation).ToArray());
        Assert.True(trained.code == 0, trained.error);
        string folder = Export(Path.Combine(runs, "best.ckpt"));
        var pretrained = Run(new[] { "gpt", "fewshot", "--pretrained", folder, "--out", TestSupport.TempFolder() }.Concat(evaluation).ToArray());
        Assert.True(pretrained.code == 0, pretrained.error);
        static string[] Rows(string output) => output.Split('\n').Where(l => l.Contains('%') && l.Contains('│')).ToArray();
        Assert.Equal(2, Rows(trained.output).Length);
        Assert.Equal(Rows(trained.output), Rows(pretrained.output));
        var refused = Run("gpt", "fewshot", "--pretrained", folder, "--iterations", "5");
        Assert.Contains("--pretrained evaluates a trained model", refused.error);
    }

    [Fact]
    public void MiniLmExportedEmbedsTheSameThroughPretrainedDir()
    {
        string folder = Export("minilm");
        string input = Path.Combine(TestSupport.TempFolder(), "sentences.txt");
        File.WriteAllLines(input, new[] { "A man is playing a guitar.", "The new movie is awesome." });
        var bundled = Run("bert", "embed", "--input", input);
        var exported = Run("bert", "embed", "--pretrained", folder, "--input", input);
        Assert.True(exported.code == 0, exported.error);
        Assert.Equal(bundled.output, exported.output);
        var similarity = Run("bert", "similarity", "--pretrained", folder, "A man is playing a guitar.", "Someone plays music.");
        Assert.Equal(Run("bert", "similarity", "A man is playing a guitar.", "Someone plays music.").output, similarity.output);
        Assert.Contains("neither minilm nor a directory", Run("bert", "embed", "--pretrained", "bert-base", "--input", input).error);
    }

    [Fact]
    public void FineTuningNliStartsFromAHuggingFaceBertDirectory()
    {
        TestSupport.Seed(8);
        var tokenizer = new BertWordPiece(new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", "dog", "ran", "." });
        using var bert = new Bert(new BertConfig(tokenizer.VocabSize, Width: 16, Layers: 1, Heads: 2, FfnWidth: 32, MaxPositions: 64));
        string folder = TestSupport.TempFolder();
        File.WriteAllText(Path.Combine(folder, "config.json"), BertHuggingFace.ToConfig(bert.Config).ToJsonString());
        SafeTensors.Write(Path.Combine(folder, "model.safetensors"), BertHuggingFace.Export(bert));
        HuggingFaceDirectory.WriteTokenizer(tokenizer, folder, 64);
        File.Delete(Path.Combine(folder, HuggingFaceDirectory.OurTokenizerFile));       // as from the hub: vocab.txt only

        string nli = BertCliTests.TinyNli(TestSupport.TempFolder()), runs = TestSupport.TempFolder();
        var run = Run("bert", "finetune-nli", "--init", folder, "--data", nli, "--out", runs, "--epochs", "1");
        Assert.True(run.code == 0, run.error);
        Assert.Contains($"starting from the Hugging Face BERT in {folder}", CliRunner.Unwrapped(run.output));
        Assert.Contains("majority-class baseline", run.output);
        Assert.Contains("not minilm, d2l-small, a checkpoint or a directory", Run("bert", "finetune-nli", "--init", "bert-base", "--data", nli).error);
    }

    [Fact]
    public void AT5SummarizesTheSameFromItsExportedDirectory()
    {
        TestSupport.Seed(2);
        var tokenizer = T5Tokenizer.Learn(new[] { "#Person1#: hello , how are you ?", "#Person2#: fine , the cat sat on the mat ." }, merges: 30);
        using var model = new T5Model(new T5Config(tokenizer.VocabSize, DModel: 16, DKv: 4, DFf: 32, NumLayers: 1, NumHeads: 2,
                                                   RelativeAttentionNumBuckets: 8, RelativeAttentionMaxDistance: 16));
        var text = new T5TextSettings(T5TextSettings.Summarize, "summarize: ", 64, 12);
        string checkpoint = Path.Combine(TestSupport.TempFolder(), "t5.ckpt");
        Checkpoint.Save(checkpoint, T5Checkpoint.Kind, T5Checkpoint.Describe(model, tokenizer, text, preset: null), model);
        string folder = Export(checkpoint);
        string[] document = { "#Person1#: hello , how are you ? #Person2#: fine .", "--beam", "2" };
        var fromCheckpoint = Run(new[] { "t5", "summarize", "--model", checkpoint }.Concat(document).ToArray());
        var fromDirectory = Run(new[] { "t5", "summarize", "--pretrained", folder }.Concat(document).ToArray());
        Assert.True(fromDirectory.code == 0, fromDirectory.error);
        Assert.Equal(fromCheckpoint.output, fromDirectory.output);

        // Fine-tuning starts from the directory as from the checkpoint: the same first losses.
        string data = T5CliTests.DialogSumFolder();
        string[] finetune = { "--data", data, "--preset", "tiny", "--iterations", "4", "--seed", "1" };
        var fromCkpt = Run(new[] { "t5", "finetune", "--init", checkpoint, "--out", TestSupport.TempFolder() }.Concat(finetune).ToArray());
        var fromDir = Run(new[] { "t5", "finetune", "--init", folder, "--out", TestSupport.TempFolder() }.Concat(finetune).ToArray());
        Assert.True(fromDir.code == 0, fromDir.error);
        static string Final(string output) => output.Split('\n').Single(l => l.StartsWith("final:"))[..40];
        Assert.Equal(Final(fromCkpt.output), Final(fromDir.output));
    }

    [Fact]
    public void AKindWithoutAHuggingFaceFamilyIsRefused()
    {
        string checkpoint = Path.Combine(TestSupport.TempFolder(), "lenet.ckpt");
        using var lenet = new LeNet(new LeNetConfig());
        Checkpoint.Save(checkpoint, ImageClassifierCheckpoint.LeNetKind, ImageClassifierCheckpoint.Describe(new LeNetConfig(), FashionMnist.ClassNames), lenet);
        var run = Run("export", "--model", checkpoint, "--out", TestSupport.TempFolder());
        Assert.Equal(1, run.code);
        Assert.True(run.error.Contains("a 'lenet' checkpoint has no Hugging Face family here"), run.error);
        Assert.Contains("no such checkpoint", Run("export", "--model", "missing.ckpt", "--out", TestSupport.TempFolder()).error);
    }
}
