using TransformerSharp.Models.LeNet;
using TransformerSharp.Training;

namespace TransformerSharp.Models.Vit;

/// <summary>Training-time changes to the images: shifts of up to CropPadding pixels (pad, then crop) and left–right flips.</summary>
public sealed record Augmentation(int CropPadding = 0, bool HorizontalFlip = false);

/// <summary>An image-classification recipe: the model, the training, the augmentation, and the training images held out for validation.</summary>
public sealed record ImageRecipe(IImageClassifierConfig Model, TrainingSettings Training, Augmentation Augmentation, int ValidationImages = 5000);

public static class VitPresets
{
    /// <summary>The pixel mean and standard deviation of Fashion-MNIST's 60,000 training images (a test recomputes them).</summary>
    public const double Mean = 0.2860, Std = 0.3530;

    /// <summary>D2L 11.8's run: 96×96 images, patch 16, width 512, 2 blocks, SGD at 0.1, batch 128, 10 epochs, no normalisation.</summary>
    public static readonly ImageRecipe D2L = new(
        new VitConfig(ImageSize: 96, PatchSize: 16, Width: 512, Heads: 8, FfnWidth: 2048, Layers: 2, Dropout: 0.1, EmbeddingDropout: 0.1),
        new TrainingSettings(BatchSize: 128, LearningRate: 0.1, Epochs: 10, Optimizer: OptimizerKind.Sgd, Clip: 0),
        new Augmentation());

    /// <summary>Our recipe for a 2-core CPU at the native 28×28 (see the README for how it was chosen).</summary>
    public static readonly ImageRecipe FashionCpu = new(
        new VitConfig(ImageSize: 28, PatchSize: 4, Width: 96, Heads: 4, FfnWidth: 192, Layers: 4, Dropout: 0.0, EmbeddingDropout: 0.0,
                      InputMean: Mean, InputStd: Std, PositionStd: 0.02),
        new TrainingSettings(BatchSize: 128, LearningRate: 2e-3, Epochs: 10, Schedule: ScheduleKind.Cosine, MinLearningRate: 1e-5,
                             WarmupFraction: 0.05, WeightDecay: 0.05, Beta2: 0.99, Clip: 1.0, LabelSmoothing: 0.1),
        new Augmentation());

    /// <summary>The convolutional baseline, with the same training budget and augmentation as fashion-cpu.</summary>
    public static readonly ImageRecipe LeNetCpu = new(
        new LeNetConfig(Channels1: 32, Channels2: 64, Hidden1: 256, Hidden2: 128, BatchNorm: true, Dropout: 0.3, InputMean: Mean, InputStd: Std),
        FashionCpu.Training, FashionCpu.Augmentation);

    /// <summary>Seconds-long runs for tests: a two-block ViT at width 32.</summary>
    public static readonly ImageRecipe Tiny = new(
        new VitConfig(ImageSize: 28, PatchSize: 7, Width: 32, Heads: 2, FfnWidth: 64, Layers: 2, Dropout: 0.0, EmbeddingDropout: 0.0,
                      InputMean: Mean, InputStd: Std, PositionStd: 0.02),
        new TrainingSettings(BatchSize: 32, LearningRate: 5e-3, Epochs: 2, Schedule: ScheduleKind.Cosine, WeightDecay: 0.05),
        new Augmentation(CropPadding: 1), ValidationImages: 32);

    public static readonly IReadOnlyList<Preset<ImageRecipe>> All = new[]
    {
        new Preset<ImageRecipe>("fashion-cpu", "a ViT for Fashion-MNIST at 28×28 on a 2-core CPU, ≥ 88 % test accuracy in ≤ 15 minutes (vit train)", FashionCpu),
        new Preset<ImageRecipe>("d2l", "D2L 11.8's ViT: 96×96 images, patch 16, width 512, SGD (vit train; slow on a CPU)", D2L),
        new Preset<ImageRecipe>("lenet-cpu", "the convolutional baseline: a LeNet-style CNN with fashion-cpu's budget (vit train)", LeNetCpu),
        new Preset<ImageRecipe>("tiny", "a tiny ViT for tests and quick looks (vit train)", Tiny),
    };

    public static ImageRecipe Find(string name) => Presets.Find(All, name, "vit");
}
