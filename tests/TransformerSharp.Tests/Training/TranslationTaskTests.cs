using TorchSharp;
using TransformerSharp.Models.Bert;
using TransformerSharp.Models.Gpt;
using TransformerSharp.Models.Translator;
using TransformerSharp.Text;
using TransformerSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Training;

public class TranslationTaskTests
{
    static TranslationTask NewTask(long initSeed)
    {
        string text = string.Concat(Enumerable.Range(0, 120).Select(i => $"I see {i % 9} cats.\tJe vois {i % 9} chats.\n"));
        var splits = TranslationSetup.D2L(text, numTrain: 100, numValid: 19, numSteps: 6);
        TestSupport.Seed(initSeed);
        var model = new Transformer(new TransformerConfig(splits.Data.SourceVocab.Count, splits.Data.TargetVocab.Count, Width: 16, Layers: 2, Heads: 2, FfnWidth: 16, Dropout: 0.2));
        return new TranslationTask(model, splits.Data, splits.Train, splits.Valid, batchSize: 16, seed: 5);
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
