using TorchSharp;
using TransformerSharp.Models.Translator;
using TransformerSharp.Text;
using TransformerSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Training;

/// <summary>What `translate train --preset full` relies on: the Noam schedule, label smoothing, length bucketing.</summary>
public class ScheduleAndBatchingTests
{
    [Fact]
    public void NoamScheduleWarmsUpLinearlyThenDecaysAsInverseSquareRoot()
    {
        var schedule = LearningRateSchedule.Noam(1e-3, warmup: 100);
        Assert.Equal(1e-3 / 100, schedule.At(0), 12);
        Assert.Equal(1e-3 * 50 / 100, schedule.At(49), 12);
        Assert.Equal(1e-3, schedule.At(99), 12);                              // the peak, at the end of warmup
        Assert.Equal(1e-3 * Math.Sqrt(100.0 / 400), schedule.At(399), 12);    // halved at four times the warmup
        var recipe = new TrainingSettings(BatchSize: 8, LearningRate: 1e-3, Iterations: 1000, Schedule: ScheduleKind.InverseSquareRoot, Warmup: 100);
        Assert.Equal(schedule.At(399), recipe.ScheduleFor(1000).At(399));
    }

    [Fact]
    public void LabelSmoothingIsCrossEntropyAgainstTheSmoothedTarget()
    {
        using var scope = NewDisposeScope();
        Tensor logits = tensor(new float[] { 2, 0, -1, 0.5f, 1, 1, 3, -2 }).reshape(1, 2, 4);
        Tensor label = tensor(new long[] { 0, 0 }).reshape(1, 2);                      // the second position is padding (id 0)
        double eps = 0.1, smoothed = Seq2Seq.MaskedLoss(logits, tensor(new long[] { 3, 0 }).reshape(1, 2), padId: 0, labelSmoothing: eps).ToDouble();
        // By hand for the one real position: target 3 with mass 1 − ε + ε/4, every class ε/4.
        double[] z = { 2, 0, -1, 0.5 };
        double logSum = Math.Log(z.Sum(Math.Exp));
        double expected = -z.Select((v, k) => (k == 3 ? 1 - eps + eps / 4 : eps / 4) * (v - logSum)).Sum();
        Assert.Equal(expected, smoothed, 5);
        Assert.True(smoothed > Seq2Seq.MaskedLoss(logits, tensor(new long[] { 3, 0 }).reshape(1, 2), 0).ToDouble() - 1e-9 || eps == 0);
        Assert.Equal(0.0, Seq2Seq.MaskedLoss(logits, label, padId: 0).ToDouble());      // all padding: nothing to learn
    }

    [Fact]
    public void BucketedBatchesHoldSimilarLengthsAndCoverEveryPairOncePerEpoch()
    {
        var random = new Random(1);
        string text = string.Concat(Enumerable.Range(0, 400).Select(i =>
        {
            int n = 1 + random.Next(12);
            return string.Join(' ', Enumerable.Repeat("go", n)) + " .\t" + string.Join(' ', Enumerable.Repeat("va", n)) + " !\n";
        }));
        var splits = TranslationSetup.D2L(text, numTrain: 400, numValid: 0, numSteps: 14);
        TestSupport.Seed(1);
        var model = new Transformer(new TransformerConfig(splits.Data.SourceVocab.Count, splits.Data.TargetVocab.Count, 8, 1, 2, 8, 0.0));
        double Spread(bool bucket)
        {
            var task = new TranslationTask(model, splits.Data, splits.Train, splits.Valid, batchSize: 20, seed: 3, bucketByLength: bucket);
            var seen = new List<int>();
            double spread = 0;
            for (int step = 0; step < task.StepsPerEpoch; step++)
            {
                int[] batch = task.BatchIndices(step);
                seen.AddRange(batch);
                var lengths = batch.Select(i => splits.Data.Pairs[i].Source.Length).ToList();
                spread += lengths.Max() - lengths.Min();
            }
            Assert.Equal(splits.Train.Order(), seen.Order());                 // each pair once per epoch
            return spread / task.StepsPerEpoch;
        }
        double bucketed = Spread(true), shuffled = Spread(false);
        Assert.True(bucketed < 1.0 && shuffled > 5, $"length spread per batch: bucketed {bucketed:F2}, shuffled {shuffled:F2}");
    }

    [Fact]
    public void BertPretrainingEvaluatesEveryTenStepsSoThatAShortRunEvaluatesOnce()
    {
        var training = TransformerSharp.Models.Bert.BertPresets.D2LSmall.Training;
        Assert.Equal(10, training.ToTrainerOptions(0, null).EvalInterval);                              // steps 10, 20, … 50
        // `bert pretrain --steps 5`: the last step's evaluation only, not one (and two 68 MB checkpoints) per step.
        var shortRun = (training with { Iterations = 5 }).ToTrainerOptions(0, null);
        Assert.Equal(1, Enumerable.Range(1, shortRun.Iterations).Count(step => step % shortRun.EvalInterval == 0 || step == shortRun.Iterations));
    }
}
