using TransformerSharp.Models.T5;
using TransformerSharp.Tests.Torch;
using TransformerSharp.Text;
using TransformerSharp.Training;
using Xunit;
using TorchSharp;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Training;

public class SummarizationTaskTests
{
    [Fact]
    public void LabelSmoothingEntersTheTrainingLossOnlyNotTheValidationLoss()
    {
        using var scope = NewDisposeScope();
        var plain = MatmulPrecisionTests.TinyT5Task();
        var model = (T5)plain.Model;
        model.eval();
        var pairs = MatmulPrecisionTests.TinyT5Pairs;
        var smoothed = new SummarizationTask(model, pairs, pairs, batchSize: 2, evalBatches: 1, seed: 4, new(), labelSmoothing: 0.2);
        var batch = smoothed.BatchIndices(0).Select(i => pairs[i]).ToList();
        int start = model.Config.DecoderStartTokenId;
        double expected = Seq2SeqBatches.Loss(model, batch, T5Tokenizer.PadId, start, labelSmoothing: 0.2).loss.ToDouble();
        double unsmoothed = Seq2SeqBatches.Loss(model, batch, T5Tokenizer.PadId, start).loss.ToDouble();
        Assert.Equal(expected, smoothed.TrainingLoss(0, 0).ToDouble(), 6);
        Assert.Equal(unsmoothed, plain.TrainingLoss(0, 0).ToDouble(), 6);
        Assert.True(Math.Abs(expected - unsmoothed) > 1e-3, $"smoothing changed nothing: {expected} against {unsmoothed}");
        Assert.Equal(plain.EvaluationLoss("valid", default), smoothed.EvaluationLoss("valid", default), 6);
    }
}
