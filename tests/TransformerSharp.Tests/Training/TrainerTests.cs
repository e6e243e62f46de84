using TorchSharp;
using TransformerSharp.Models;
using TransformerSharp.Text;
using TransformerSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Training;

public class TrainerTests
{
    const string Text = "to be or not to be that is the question whether tis nobler in the mind to suffer the slings and arrows ";

    static LanguageModelTask NewTask(long seed, double dropout = 0.1, long? initSeed = null)
    {
        TestSupport.Seed(initSeed ?? seed);
        var tokenizer = CharTokenizer.FromText(Text);
        var model = new Gpt(new GptConfig(2, 2, 16, 16, tokenizer.VocabSize, dropout));
        var corpus = new TokenCorpus(tokenizer.Encode(string.Concat(Enumerable.Repeat(Text, 8))));
        return new LanguageModelTask(model, tokenizer, corpus, batchSize: 4, evalBatches: 2, seed);
    }

    static TrainerOptions Options(int iterations, string? outDir) =>
        new(iterations, new LearningRateSchedule(3e-3, 3e-4, 3, iterations), Seed: 3, EvalInterval: 4, OutDir: outDir, GradientAccumulation: 2);

    [Fact]
    public void ScheduleWarmsUpThenDecaysToTheFloor()
    {
        var schedule = new LearningRateSchedule(1e-3, 1e-4, 100, 2000);
        Assert.Equal(1e-5, schedule.At(0), 12);
        Assert.Equal(1e-3, schedule.At(99), 12);
        Assert.Equal(1e-4 + 0.5 * 0.9e-3, schedule.At(1050), 12);
        Assert.Equal(1e-4, schedule.At(2000), 12);
        Assert.Equal(1e-4, schedule.At(5000), 12);
    }

    [Fact]
    public void ResumeContinuesExactlyLikeAnUninterruptedRun()
    {
        string straightDir = TestSupport.TempFolder(), splitDir = TestSupport.TempFolder();
        var straight = Trainer.Run(NewTask(3), Options(12, straightDir));

        // Interrupt after step 5 (between evaluations), as Ctrl+C would: the trainer saves last.ckpt and stops.
        using var cancel = new CancellationTokenSource();
        var firstHalf = Trainer.Run(NewTask(3), Options(12, splitDir), onStep: p => { if (p.Step == 5) cancel.Cancel(); }, cancel: cancel.Token);
        Assert.True(firstHalf.Interrupted);
        Assert.Equal(6, firstHalf.NextStep);
        // A fresh process would build a new model with another initialisation: resume must overwrite all of it.
        var resumed = Trainer.Run(NewTask(3, initSeed: 99), Options(12, splitDir), resumeFrom: Path.Combine(splitDir, "last.ckpt"));

        Assert.Equal(straight.TrainLosses, resumed.TrainLosses);
        Assert.Equal(straight.Evaluations, resumed.Evaluations);
        Assert.True(straight.TrainLosses[^1].Loss < straight.TrainLosses[0].Loss);
    }

    [Fact]
    public void SameSeedSameRunAndBestCheckpointKept()
    {
        string dir = TestSupport.TempFolder();
        var a = Trainer.Run(NewTask(4), Options(8, dir));
        var b = Trainer.Run(NewTask(4), Options(8, null));
        Assert.Equal(a.TrainLosses, b.TrainLosses);
        Assert.True(File.Exists(Path.Combine(dir, "best.ckpt")));
        var (model, tokenizer, metadata) = GptCheckpoint.Load(Path.Combine(dir, "best.ckpt"));
        Assert.Equal(a.BestValidLoss, metadata["training"]!["best_valid_loss"]!.GetValue<double>());
        Assert.Equal("char", tokenizer.Kind);
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
    }

    [Fact]
    public void NaNLossStopsWithAClearError()
    {
        var task = NewTask(5);
        var options = new TrainerOptions(5, LearningRateSchedule.Constant(1e6), Seed: 5, ClipNorm: 0, EvalInterval: 100);
        var error = Assert.Throws<InvalidOperationException>(() => Trainer.Run(task, options));
        Assert.Contains("training loss became", error.Message);
    }
}

public class TranslationResumeTests
{
    static TranslationTask NewTask(long initSeed)
    {
        string text = string.Concat(Enumerable.Range(0, 120).Select(i => $"I see {i % 9} cats.\tJe vois {i % 9} chats.\n"));
        var splits = TranslationSetup.D2L(text, numTrain: 100, numValid: 19, numSteps: 6);
        TestSupport.Seed(initSeed);
        var model = new Transformer(new TransformerConfig(splits.Data.SourceVocab.Count, splits.Data.TargetVocab.Count, Hidden: 16, Heads: 2, FfnHidden: 16, Dropout: 0.2));
        var extra = new System.Text.Json.Nodes.JsonObject { ["config"] = TransformerSharp.Generation.Translator.DescribeConfig(model) };
        return new TranslationTask(model, "transformer", splits.Data, splits.Train, splits.Valid, batchSize: 16, seed: 5, extra: extra);
    }

    [Fact]
    public void ResumedTranslatorTrainingEqualsAnUninterruptedRun()
    {
        var options = (string dir) => new TrainerOptions(14, LearningRateSchedule.Constant(0.005), Seed: 5, WeightDecay: 0, Beta2: 0.999, EvalInterval: 7, OutDir: dir);
        var straight = Trainer.Run(NewTask(1), options(TestSupport.TempFolder()));
        string dir = TestSupport.TempFolder();
        using var cancel = new CancellationTokenSource();
        Trainer.Run(NewTask(1), options(dir), onStep: p => { if (p.Step == 9) cancel.Cancel(); }, cancel: cancel.Token);
        var resumed = Trainer.Run(NewTask(2), options(dir), resumeFrom: Path.Combine(dir, "last.ckpt"));
        Assert.Equal(straight.TrainLosses, resumed.TrainLosses);
        var translator = TransformerSharp.Generation.Translator.Load(Path.Combine(dir, "last.ckpt"));
        Assert.Single(translator.Translate(new[] { "I see 3 cats." }));
    }
}
