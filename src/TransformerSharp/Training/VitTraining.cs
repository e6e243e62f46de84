using TransformerSharp.Checkpoints;
using TransformerSharp.Data;
using TransformerSharp.Models;
using TransformerSharp.Models.Vit;
using TransformerSharp.Torch;

namespace TransformerSharp.Training;

/// <summary>What `vit train` needs: Fashion-MNIST's two sets, the recipe, the seed, where to write, and a checkpoint to resume.</summary>
public sealed record VitTrainSettings(ImageSet Train, ImageSet Test, ImageRecipe Recipe, long Seed, string? OutDir, string? Resume = null);

public sealed record VitTrainOutcome(ImageClassifier Model, TrainingResult Result, int TrainImages, int ValidImages, ClassificationScore? Test);

/// <summary>The image classifiers' training entry point: ViT or the CNN baseline on Fashion-MNIST.</summary>
public static class VitTraining
{
    public static VitTrainOutcome Train(VitTrainSettings settings, TrainingObserver observer)
    {
        var recipe = settings.Recipe;
        recipe.Training.Validate();
        var (train, valid) = Split(settings.Train, HeldOut(settings.Train.Count, recipe));
        observer.Info($"{train.Count:N0} training images, {valid.Count:N0} held out for validation (best.ckpt), {settings.Test.Count:N0} test images");

        // A resumed run rebuilds the model its checkpoint describes, whatever the preset says.
        IImageClassifierConfig config = settings.Resume is null ? recipe.Model : ImageClassifierCheckpoint.Config(Checkpoint.ReadHeader(settings.Resume));
        TorchRuntime.Seed(settings.Seed);
        ImageClassifier model = ImageClassifierCheckpoint.Create(config);
        observer.Info($"{ImageClassifierCheckpoint.KindOf(config)}: {model.ParameterCount:N0} parameters");
        var task = new ImageClassificationTask(model, ImageClassifierCheckpoint.Describe(config, FashionMnist.ClassNames), train, valid, settings.Test,
                                               recipe.Training.BatchSize, settings.Seed, recipe.Augmentation, recipe.Training.LabelSmoothing);
        var options = recipe.Training.ToTrainerOptions(settings.Seed, settings.OutDir, task.StepsPerEpoch);
        var result = observer.Run(ImageClassifierCheckpoint.KindOf(config), task, options, settings.Resume);
        ClassificationScore? test = result.Interrupted ? null : ImageBatches.Score(model, settings.Test, cancel: observer.Cancel);
        return new VitTrainOutcome(model, result, train.Count, valid.Count, test);
    }

    /// <summary>How many training images a run holds out: the recipe's number, but at most a tenth (tests, experiments).</summary>
    public static int HeldOut(int trainImages, ImageRecipe recipe) => Math.Min(recipe.ValidationImages, trainImages / 10);

    /// <summary>Optimiser steps per epoch of a run on that many training images.</summary>
    public static int StepsPerEpoch(int trainImages, ImageRecipe recipe) =>
        (trainImages - HeldOut(trainImages, recipe) + recipe.Training.BatchSize - 1) / recipe.Training.BatchSize;

    /// <summary>The same held-out images for every seed and every resume: the last of a fixed shuffle.</summary>
    public static (ImageSet train, ImageSet valid) Split(ImageSet all, int validCount)
    {
        if (validCount < 0 || validCount >= all.Count)
            throw new UserError($"cannot hold out {validCount:N0} of {all.Count:N0} training images for validation");
        var random = new Random(20_251_127);
        int[] order = Enumerable.Range(0, all.Count).OrderBy(_ => random.Next()).ToArray();
        return (all.Subset(order[..^validCount]), all.Subset(order[^validCount..]));
    }
}
