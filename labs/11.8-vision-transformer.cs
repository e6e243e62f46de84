#:project ../src/TransformerSharp/TransformerSharp.csproj
#:property PublishAot=false
// D2L 11.8 — Transformers for vision.
// A ViT cuts the image into patches, flattens and projects each to a vector (a convolution whose stride is its size
// does both), prepends a learned <cls> token, adds position embeddings, and runs a Transformer encoder over the
// sequence. The <cls> token's final state is classified. No convolutions beyond the first: what the model knows of
// space it learns from the position embeddings and from attention.
using TransformerSharp.Data;
using TransformerSharp.Labs;
using TransformerSharp.Models.Vit;
using TransformerSharp.Plots;
using TransformerSharp.Training;
using static TorchSharp.torch;

var lab = Lab.Start(args, "11.8-vision-transformer");

// Fashion-MNIST: --data DIR with fashion-mnist/, else $TRANSFORMERSHARP_FASHION_MNIST, else Debian's dataset-fashion-mnist.
string? folder = lab.DataPath("fashion-mnist") is { } d && Directory.Exists(d) ? d : null;
var (train, test) = FashionMnist.Load(FashionMnist.Locate(folder));
Console.WriteLine($"{train.Count:N0} training and {test.Count:N0} test images, {train.Height}×{train.Width} grey, classes: {string.Join(", ", FashionMnist.ClassNames)}");

Lab.Section("From image to a sequence of patches");
// --quick: the tiny ViT (patch 7: 16 patches, width 32, 2 blocks), 4 epochs on 10,000 images; otherwise our CPU
// preset (patch 4: 49 patches, width 96, 4 blocks) for 3 of its 10 epochs on all 60,000.
var recipe = lab.Quick ? VitPresets.Tiny with { Training = VitPresets.Tiny.Training with { Epochs = 4 } }
                       : VitPresets.FashionCpu with { Training = VitPresets.FashionCpu.Training with { Epochs = 3 } };
if (lab.Quick)
{
    train = train.Subset(Enumerable.Range(0, 10_000).ToList());
    test = test.Subset(Enumerable.Range(0, 2_000).ToList());
}
var config = (VitConfig)recipe.Model;
Console.WriteLine($"{config.ImageSize}×{config.ImageSize} image, patch {config.PatchSize}: {config.Patches} patches + <cls> = a sequence of {config.Patches + 1} tokens of width {config.Width}");

Lab.Section("Train");
var outcome = VitTraining.Train(new VitTrainSettings(train, test, recipe, lab.Seed, lab.File("run")), Lab.Progress());
Console.WriteLine($"trained in {outcome.Result.Elapsed.TotalSeconds:F0} s; test accuracy {outcome.Test!.Accuracy:P1} on {test.Count:N0} images");

Lab.Section("Predict");
for (int i = 0; i < 5; i++)
{
    int predicted = outcome.Test.Predicted[i];
    Console.WriteLine($"test image {i}: predicted {FashionMnist.ClassNames[predicted],-12} ({outcome.Test.Probabilities[i, predicted]:P0}), true {FashionMnist.ClassNames[test.Labels[i]]}");
}

Lab.Section("Where <cls> looks");
// Per block and head, the <cls> token's attention over the patches; the rollout multiplies the blocks' maps.
var (files, onGarment, area) = VitAttentionPlots.Save(lab.Out, (Vit)outcome.Model, test.ScaledImage(0), "test image 0", FashionMnist.ClassNames);
foreach (string file in files) lab.Wrote(file);
Console.WriteLine($"the rollout puts {onGarment:P0} of the attention on the patches that show the garment, which cover {area:P0} of the image");

// Exercises
// 1. Halve the patch size (more, smaller patches). How do the sequence length, the time per epoch and the accuracy move?
// 2. Replace the <cls> token by the mean of all patch outputs. Does the accuracy change?
// 3. Train without position embeddings: the model then sees a bag of patches. How much accuracy is left?
Lab.Section("Exercises: at the end of this file");
