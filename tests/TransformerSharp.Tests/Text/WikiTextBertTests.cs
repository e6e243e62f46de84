using TorchSharp;
using TransformerSharp.Models.Bert;
using TransformerSharp.Models.Gpt;
using TransformerSharp.Models.Translator;
using TransformerSharp.Text;
using TransformerSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Text;

public class WikiTextBertTests
{
    static WikiTextBert Corpus(int seed = 1)
    {
        var random = new Random(seed);
        string[] words = { "the", "cat", "sat", "on", "mat", "dog", "ran", "to", "park", "a", "bird", "sang" };
        string Sentence() => string.Join(' ', Enumerable.Range(0, 5 + random.Next(6)).Select(_ => words[random.Next(words.Length)]));
        var lines = Enumerable.Range(0, 300).Select(_ => $" {Sentence()} . {Sentence()} . {Sentence()} . ").ToList();
        lines.Add(" a lone sentence without a second one ");                         // fewer than two sentences: dropped
        return new WikiTextBert(lines, maxLength: 64, seed: seed);
    }

    [Fact]
    public void ExamplesFollowD2LsRecipe()
    {
        var corpus = Corpus();
        Assert.Equal(new[] { "<pad>", "<mask>", "<cls>", "<sep>", "<unk>" }, corpus.Vocab.Tokens.Take(5));
        Assert.DoesNotContain("lone", corpus.Vocab.Tokens);
        Assert.Equal(600, corpus.Examples.Count);                                   // two pairs per three-sentence paragraph
        int cls = corpus.Vocab[WikiTextBert.Cls], sep = corpus.Vocab[WikiTextBert.Sep];
        foreach (var e in corpus.Examples)
        {
            Assert.Equal(cls, e.Tokens[0]);
            Assert.Equal(Math.Max(1, (int)Math.Round(e.Tokens.Length * 0.15, MidpointRounding.ToEven)), e.PredPositions.Length);
            Assert.All(e.PredPositions, p => Assert.NotEqual(sep, e.MlmLabels[Array.IndexOf(e.PredPositions, p)]));
            Assert.Equal(e.PredPositions.OrderBy(p => p), e.PredPositions);
        }
        double nextShare = corpus.Examples.Average(e => e.IsNext ? 1.0 : 0.0);
        Assert.InRange(nextShare, 0.4, 0.6);
        double masked = corpus.Examples.Average(e => e.PredPositions.Count(p => e.Tokens[p] == corpus.Vocab[WikiTextBert.Mask]) / (double)e.PredPositions.Length);
        Assert.InRange(masked, 0.7, 0.9);                                           // 80% become <mask>
    }

    [Fact]
    public void PretrainingLossesFall()
    {
        var corpus = Corpus();
        TestSupport.Seed(70);
        var model = new BertForPretraining(BertConfig.D2LSmall(corpus.Vocab.Count) with { Width = 32, FfnWidth = 64 });
        var task = new BertPretrainingTask(model, corpus, batchSize: 64, seed: 70);
        var result = Trainer.Run(task, new TrainerOptions(60, LearningRateSchedule.Constant(0.005), Seed: 70, WeightDecay: 0, Beta2: 0.999, EvalInterval: 60));
        Assert.True(result.TrainLosses.Skip(50).Average(l => l.Loss) < result.TrainLosses.Take(10).Average(l => l.Loss) - 0.3,
                    $"loss went from {result.TrainLosses[0].Loss} to {result.TrainLosses[^1].Loss}");
        // 12 random words: the best an MLM can do is about ln 12 ≈ 2.5 nats; it starts near ln(vocabulary).
        Assert.True(task.LastMlm < Math.Log(corpus.Vocab.Count));
    }
}
