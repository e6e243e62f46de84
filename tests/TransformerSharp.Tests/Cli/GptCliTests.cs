using Xunit;

namespace TransformerSharp.Tests.Cli;

public class GptCliTests
{
    static (int code, string output, string error) Run(params string[] args) => CliRunner.Run(args);

    static string Corpus()
    {
        string path = Path.Combine(TestSupport.TempFolder(), "corpus.txt");
        File.WriteAllText(path, string.Concat(Enumerable.Repeat("the cat sat on the mat. the dog sat on the log.\n", 60)));
        return path;
    }

    [Fact]
    public void TrainGenerateAndEvalEndToEnd()
    {
        string data = Corpus(), outDir = TestSupport.TempFolder();
        var (code, output, error) = Run("gpt", "train", "--data", data, "--out", outDir, "--layers", "1", "--heads", "2", "--width", "32",
                                        "--context", "16", "--batch-size", "8", "--iterations", "40", "--eval-interval", "20", "--eval-batches", "2", "--seed", "1");
        Assert.True(code == 0, error);
        Assert.Contains("final: train loss", output);
        Assert.True(File.Exists(Path.Combine(outDir, "loss.png")));
        string checkpoint = Path.Combine(outDir, "best.ckpt");

        var generated = Run("gpt", "generate", "--model", checkpoint, "--prompt", "the ", "--max-new-tokens", "20", "--temperature", "0");
        Assert.True(generated.code == 0, generated.error);
        Assert.StartsWith("the ", generated.output);
        Assert.Equal(24, generated.output.TrimEnd('\n').Length);
        var noCache = Run("gpt", "generate", "--model", checkpoint, "--prompt", "the ", "--max-new-tokens", "20", "--temperature", "0", "--no-cache");
        Assert.Equal(generated.output, noCache.output);

        var evaluated = Run("gpt", "eval", "--model", checkpoint, "--data", data, "--eval-batches", "2");
        Assert.True(evaluated.code == 0, evaluated.error);
        Assert.Matches(@"validation loss \d+\.\d{4}, perplexity \d+\.\d{2}", evaluated.output);
    }

    [Fact]
    public void BadInputsGetClearErrors()
    {
        string empty = Path.Combine(TestSupport.TempFolder(), "empty.txt");
        File.WriteAllText(empty, "  \n");
        var emptyRun = Run("gpt", "train", "--data", empty, "--iterations", "1");
        Assert.Equal(1, emptyRun.code);
        Assert.Contains("the file is empty", emptyRun.error);

        string data = Corpus(), outDir = TestSupport.TempFolder();
        Run("gpt", "train", "--data", data, "--out", outDir, "--layers", "1", "--heads", "1", "--width", "8", "--context", "8",
            "--batch-size", "2", "--iterations", "2", "--eval-interval", "2", "--eval-batches", "1");
        var unknown = Run("gpt", "generate", "--model", Path.Combine(outDir, "best.ckpt"), "--prompt", "ZEBRA");
        Assert.Equal(1, unknown.code);
        Assert.Contains("'Z' at position 0 is not in this model's vocabulary", unknown.error);

        Assert.Equal("--eval-interval must be at least 1, got 0", Run("gpt", "train", "--data", data, "--out", outDir, "--eval-interval", "0").error.Trim());
        // Sampling options out of range stop before the checkpoint is read, naming the option and its range.
        string model = Path.Combine(outDir, "best.ckpt");
        Assert.Equal("--temperature must be 0 (greedy) or more, got -1", Run("gpt", "generate", "--model", model, "--temperature", "-1").error.Trim());
        Assert.Equal("--top-p must be in (0, 1], got 2", Run("gpt", "generate", "--model", model, "--top-p", "2").error.Trim());
        Assert.Equal("--max-new-tokens must be at least 1, got -5", Run("gpt", "generate", "--model", model, "--max-new-tokens", "-5").error.Trim());
        Assert.Equal("--top-k must be at least 1, got 0", Run("gpt", "generate", "--model", model, "--top-k", "0").error.Trim());

        string notCheckpoint = Path.Combine(TestSupport.TempFolder(), "x.ckpt");
        File.WriteAllText(notCheckpoint, "junk");
        var junk = Run("gpt", "generate", "--model", notCheckpoint);
        Assert.Equal(1, junk.code);
        Assert.Contains("not a TransformerSharp checkpoint", junk.error);
    }

    [Fact]
    public void CtrlCInFewShotTrainingSavesAndOnlyResumeContinues()
    {
        string outDir = TestSupport.TempFolder(), last = Path.Combine(outDir, "last.ckpt");
        string[] args = { "gpt", "fewshot", "--iterations", "40", "--trials", "5", "--shots", "0,8", "--out", outDir };
        // The preset evaluates 4 times a run, every 10 steps here: Ctrl+C at the second evaluation line stops at step 20.
        var stopped = CliRunner.RunInterrupted("step 20:", args);
        Assert.True(stopped.code == 130, stopped.output + stopped.error);
        Assert.Contains($"interrupted at step 20; resume with --resume {last}", CliRunner.Unwrapped(stopped.output));
        Assert.DoesNotContain("ideal in-context learner", stopped.output);

        var without = Run(args);
        Assert.Equal(1, without.code);
        Assert.Contains($"holds a run interrupted at step 20 of 40: finish it with --resume {last}", without.error);

        var resumed = Run(args.Append("--resume").Append(last).ToArray());
        Assert.True(resumed.code == 0, resumed.error);
        Assert.Contains("step 40:", resumed.output);
        Assert.Contains("ideal in-context learner", resumed.output);

        var duringEvaluation = CliRunner.RunInterrupted("prompt format", args);    // loads the trained model, then evaluates
        Assert.Equal(130, duringEvaluation.code);
        Assert.DoesNotContain("ideal in-context learner", duringEvaluation.output);
    }

    [Fact]
    public void FewShotPrintsTheTableAndPlot()
    {
        string outDir = TestSupport.TempFolder();
        var run = Run("gpt", "fewshot", "--iterations", "20", "--trials", "10", "--shots", "0,2,8", "--out", outDir);
        Assert.True(run.code == 0, run.error);
        Assert.Contains("c>F;a>H;e>B;a>", run.output);
        Assert.Contains("ideal in-context learner", run.output);
        Assert.Contains("37.5 %", run.output);                                       // the ideal learner with 2 shots
        Assert.True(File.Exists(Path.Combine(outDir, "fewshot.png")));
        var again = Run("gpt", "fewshot", "--shots", "0", "--trials", "5", "--out", outDir);      // loads the trained model
        Assert.Contains("loading", again.output);
    }
}
