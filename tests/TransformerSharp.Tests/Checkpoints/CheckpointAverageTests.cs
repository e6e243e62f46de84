using TransformerSharp.Checkpoints;
using TransformerSharp.Models;
using TransformerSharp.Models.Gpt;
using TransformerSharp.Text;
using TransformerSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Checkpoints;

public class CheckpointAverageTests
{
    const string Text = "to be or not to be that is the question ";

    static LanguageModelTask NewTask(long seed)
    {
        TestSupport.Seed(seed);
        var tokenizer = CharTokenizer.FromText(Text);
        var model = new Gpt(new GptConfig(1, 2, 16, 16, tokenizer.VocabSize));
        return new LanguageModelTask(model, tokenizer, new TokenCorpus(tokenizer.Encode(string.Concat(Enumerable.Repeat(Text, 8)))), batchSize: 4, evalBatches: 1, seed);
    }

    static TrainerOptions Options(string folder, int keep) =>
        new(12, LearningRateSchedule.Constant(3e-3), Seed: 1, EvalInterval: 3, OutDir: folder, KeepCheckpoints: keep);

    [Fact]
    public void ARunKeepsTheModelsOfItsLastEvaluationsAndTheirAverageIsTheMeanOfTheirParameters()
    {
        string folder = TestSupport.TempFolder();
        File.WriteAllText(Path.Combine(folder, "step-0000099.ckpt"), "from an earlier run");     // a new run clears these
        Trainer.Run(NewTask(1), Options(folder, keep: 3));
        var snapshots = Trainer.Snapshots(folder);
        Assert.Equal(new[] { "step-0000006.ckpt", "step-0000009.ckpt", "step-0000012.ckpt" }, snapshots.Select(Path.GetFileName));
        Assert.True(new FileInfo(snapshots[0]).Length < new FileInfo(Path.Combine(folder, "last.ckpt")).Length / 2);   // no optimiser state

        string averaged = CheckpointAverage.Write(snapshots, Path.Combine(folder, "averaged.ckpt"));
        var models = snapshots.Select(s => ModelRegistry.Load(s).model).ToList();
        var (mean, header) = ModelRegistry.Load(averaged);
        Assert.Equal(3, header.Metadata["averaged"]!.AsArray().Count);
        foreach (var ((name, parameter), index) in mean.named_parameters().Select((p, i) => (p, i)))
        {
            using var expected = models.Select(m => m.named_parameters().ElementAt(index).parameter.detach()).Aggregate((a, b) => a + b) / 3;
            Assert.True(TestSupport.MaxAbsDiff(parameter, expected) < 1e-6, name);
        }
        // The last snapshot is the final model: averaging it alone gives it back.
        Assert.Equal(12, Checkpoint.ReadHeader(snapshots[^1]).Training!["next_step"]!.GetValue<long>());
    }

    [Fact]
    public void CheckpointsOfDifferentModelsAreNotAveraged()
    {
        string a = TestSupport.TempFolder(), b = TestSupport.TempFolder();
        Trainer.Run(NewTask(2), Options(a, keep: 1) with { Iterations = 3 });
        var tokenizer = CharTokenizer.FromText(Text);
        var wider = new LanguageModelTask(new Gpt(new GptConfig(1, 2, 32, 16, tokenizer.VocabSize)), tokenizer,
                                          new TokenCorpus(tokenizer.Encode(string.Concat(Enumerable.Repeat(Text, 8)))), 4, 1, 2);
        Trainer.Run(wider, Options(b, keep: 1) with { Iterations = 3 });
        var error = Assert.Throws<UserError>(() => CheckpointAverage.Write(new[] { Trainer.Snapshots(a)[0], Trainer.Snapshots(b)[0] }, Path.Combine(a, "avg.ckpt")));
        Assert.Contains("config differs", error.Message);
    }
}
