using System.Text.Json.Nodes;
using TorchSharp;
using TransformerSharp.Data;
using TransformerSharp.Models;
using TransformerSharp.Models.Vit;
using static TorchSharp.torch;

namespace TransformerSharp.Training;

/// <summary>
/// Training an image classifier (ViT or CNN) on grey images: a shuffled epoch order and the augmentation drawn from
/// (seed, step) alone, so resume is exact; per epoch the running training loss and accuracy (as D2L reports them),
/// the validation loss and accuracy (which choose best.ckpt), and the test accuracy to watch.
/// </summary>
public sealed class ImageClassificationTask(ImageClassifier model, JsonObject description, ImageSet train, ImageSet valid, ImageSet? test,
                                            int batchSize, long seed, Augmentation augmentation, double labelSmoothing) : ITrainingTask
{
    public string Kind => ImageClassifierCheckpoint.KindOf(model.Input);
    public nn.Module Model => model;
    public long TokensPerBatch { get; private set; }
    public string ThroughputUnit => "img";
    readonly EpochShuffle shuffle = new(train.Count, seed);
    public int StepsPerEpoch => (train.Count + batchSize - 1) / batchSize;

    double runningLoss, runningCorrect;
    long runningCount;
    ClassificationScore? validScore;

    public Tensor TrainingLoss(long step, int micro)
    {
        if (step % StepsPerEpoch == 0 && micro == 0) (runningLoss, runningCorrect, runningCount) = (0, 0, 0);
        int[] order = shuffle.Order(step / StepsPerEpoch);
        int[] batch = order.Skip((int)(step % StepsPerEpoch) * batchSize).Take(batchSize).ToArray();
        Tensor pixels = ImageBatches.Pixels(train, batch, augmentation, Trainer.StepRandom(seed, step, micro + 1));
        Tensor labels = ImageBatches.Labels(train, batch);
        Tensor logits = model.forward(pixels);
        Tensor loss = nn.functional.cross_entropy(logits, labels, label_smoothing: labelSmoothing);
        TokensPerBatch = batch.Length;
        runningLoss += loss.item<float>() * batch.Length;
        runningCorrect += logits.detach().argmax(1).eq(labels).sum().item<long>();
        runningCount += batch.Length;
        return loss;
    }

    /// <summary>"train": the mean loss of this epoch's batches so far; "valid": the held-out images' loss.</summary>
    public double EvaluationLoss(string split, CancellationToken cancel)
    {
        if (split == "train") return runningCount > 0 ? runningLoss / runningCount : double.NaN;
        validScore = valid.Count > 0 ? ImageBatches.Score(model, valid, cancel: cancel) : null;
        return validScore?.Loss ?? double.NaN;
    }

    public IReadOnlyDictionary<string, double>? EvaluationMetrics(CancellationToken cancel)
    {
        var metrics = new Dictionary<string, double> { ["train_accuracy"] = runningCount > 0 ? runningCorrect / runningCount : double.NaN };
        if (validScore is not null) metrics["valid_accuracy"] = validScore.Accuracy;
        if (test is not null) metrics["test_accuracy"] = ImageBatches.Score(model, test, cancel: cancel).Accuracy;
        return metrics;
    }

    public JsonObject Describe() => description.DeepClone().AsObject();

}
