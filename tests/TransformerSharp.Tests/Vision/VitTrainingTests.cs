using SkiaSharp;
using TransformerSharp.Data;
using TransformerSharp.Models.Vit;
using TransformerSharp.Tests.Cli;
using TransformerSharp.Tests.Data;
using TransformerSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Vision;

public class VitTrainingTests
{
    /// <summary>Class c is a centred 14×14 square of brightness 40 + 21c on a noisy dark ground: learnable in a few steps.</summary>
    public static ImageSet Squares(int n, int seed)
    {
        var random = new Random(seed);
        var labels = Enumerable.Range(0, n).Select(i => (byte)(i % 10)).ToArray();
        var pixels = new byte[n * 784];
        for (int i = 0; i < n; i++)
            for (int p = 0; p < 784; p++)
            {
                int y = p / 28, x = p % 28;
                bool inside = y is >= 7 and < 21 && x is >= 7 and < 21;
                pixels[i * 784 + p] = (byte)(inside ? 40 + 21 * labels[i] + random.Next(6) : random.Next(20));
            }
        return new ImageSet(pixels, labels, 28, 28);
    }

    static string SquaresFolder() => FashionMnistTests.WriteFolder(Squares(400, 1), Squares(100, 2));

    static readonly ImageRecipe Recipe = VitPresets.Tiny with { Training = VitPresets.Tiny.Training with { Epochs = 3 } };

    [Fact]
    public void TrainEvalAndPredictFromTheCommandLine()
    {
        string data = SquaresFolder(), runs = TestSupport.TempFolder();
        var train = CliRunner.Run("vit", "train", "--preset", "tiny", "--data", data, "--out", runs, "--epochs", "6", "--seed", "1");
        Assert.True(train.code == 0, train.error);
        Assert.Contains("epoch 6: train loss", train.output);
        double accuracy = double.Parse(train.output.Split('\n').Single(l => l.StartsWith("test accuracy "))["test accuracy ".Length..].Trim(),
                                       System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(accuracy >= 0.4, $"test accuracy {accuracy} on squares:\n{train.output}");
        foreach (string file in new[] { "best.ckpt", "last.ckpt", "loss.png", "metrics.png" }) Assert.True(File.Exists(Path.Combine(runs, file)), file);

        // eval on the last checkpoint agrees with the accuracy train printed for the same weights.
        var eval = CliRunner.Run("vit", "eval", "--model", Path.Combine(runs, "last.ckpt"), "--data", data);
        Assert.True(eval.code == 0, eval.error);
        Assert.Contains($"test accuracy {accuracy:F4}", eval.output);
        Assert.Contains("confusion matrix", eval.output);
        Assert.True(File.Exists(Path.Combine(runs, "last-test-predictions.png")));

        string plots = Path.Combine(runs, "attention");
        var predict = CliRunner.Run("vit", "predict", "--model", Path.Combine(runs, "last.ckpt"), "--index", "3", "--data", data, "--attention-plot", plots);
        Assert.True(predict.code == 0, predict.error);
        var top = predict.output.Split('\n').Take(3).ToList();
        Assert.All(top, line => Assert.Contains(FashionMnist.ClassNames, name => line.StartsWith(name)));
        Assert.Contains("true class: Dress", predict.output);                          // image 3 is class 3
        Assert.True(File.Exists(Path.Combine(plots, "attention-heads.png")));
        Assert.True(File.Exists(Path.Combine(plots, "attention-rollout.png")));

        // The same image as a PNG file gives the same top three.
        var (_, test) = FashionMnist.Load(data);
        string png = Path.Combine(runs, "three.png");
        ImageFile.SaveGrey(png, test.Image(3).ToArray().Select(b => b / 255f).ToArray(), 28);
        var fromFile = CliRunner.Run("vit", "predict", "--model", Path.Combine(runs, "last.ckpt"), "--image", png);
        Assert.True(fromFile.code == 0, fromFile.error);
        Assert.Equal(top, fromFile.output.Split('\n').Take(3).ToList());

        var info = CliRunner.Run("info", "--model", Path.Combine(runs, "best.ckpt"));
        Assert.True(info.code == 0, info.error);
        Assert.Contains("\"kind\": \"vit\"", info.output);
    }

    [Fact]
    public void ResumedTrainingEqualsAnUninterruptedRun()
    {
        var (train, test) = (Squares(200, 3), Squares(40, 4));
        string straightDir = TestSupport.TempFolder(), splitDir = TestSupport.TempFolder();
        var straight = VitTraining.Train(new VitTrainSettings(train, test, Recipe, Seed: 7, straightDir), TrainingObserver.Silent);

        using var cancel = new CancellationTokenSource();
        var first = VitTraining.Train(new VitTrainSettings(train, test, Recipe, Seed: 7, splitDir),
            new TrainingObserver { Step = p => { if (p.Step == 8) cancel.Cancel(); }, Cancel = cancel.Token });
        Assert.True(first.Result.Interrupted);
        Assert.Null(first.Test);
        var resumed = VitTraining.Train(new VitTrainSettings(train, test, Recipe, Seed: 7, splitDir, Path.Combine(splitDir, "last.ckpt")), TrainingObserver.Silent);

        Assert.Equal(straight.Result.TrainLosses, resumed.Result.TrainLosses);
        Assert.Equal(straight.Result.Evaluations[^1].ValidLoss, resumed.Result.Evaluations[^1].ValidLoss);
        foreach (var ((name, a), (_, b)) in straight.Model.named_parameters().Zip(resumed.Model.named_parameters()))
            Assert.True(TestSupport.MaxAbsDiff(a, b) == 0, name);
        Assert.Equal(straight.Test!.Accuracy, resumed.Test!.Accuracy);
    }

    [Fact]
    public void AugmentationShiftsAndFlipsWithZerosComingIn()
    {
        var pixels = new byte[784];
        pixels[5 * 28 + 3] = 255;                                               // one bright pixel at (row 5, column 3)
        var set = new ImageSet(pixels, new byte[] { 0 }, 28, 28);
        using var plain = ImageBatches.Pixels(set, new[] { 0 });
        Assert.Equal(1f, plain[0, 5, 3].item<float>());
        // Every augmented copy holds the pixel once, shifted by at most two rows and columns, mirrored or not.
        for (int seed = 0; seed < 20; seed++)
        {
            using var augmented = ImageBatches.Pixels(set, new[] { 0 }, new Augmentation(2, HorizontalFlip: true), new Random(seed));
            Assert.Equal(1f, augmented.sum().item<float>());
            long at = augmented.reshape(784).argmax().item<long>();
            long row = at / 28, column = at % 28;
            Assert.InRange(row, 3, 7);
            Assert.True(column is >= 1 and <= 5 || column is >= 22 and <= 26, $"column {column}");
        }
    }

    [Fact]
    public void ImageFilesAreConvertedWithANote()
    {
        string folder = TestSupport.TempFolder(), path = Path.Combine(folder, "shirt.png");
        // A dark red square on a white ground, 56×56: resized, made grey and inverted to Fashion-MNIST's look.
        using (var bitmap = new SKBitmap(56, 56))
        {
            for (int y = 0; y < 56; y++)
                for (int x = 0; x < 56; x++)
                    bitmap.SetPixel(x, y, x is >= 14 and < 42 && y is >= 14 and < 42 ? new SKColor(120, 0, 0) : SKColors.White);
            File.WriteAllBytes(path, bitmap.Encode(SKEncodedImageFormat.Png, 100).ToArray());
        }
        var (pixels, note) = ImageFile.LoadGrey(path);
        Assert.Equal(784, pixels.Length);
        Assert.Contains("resized from 56×56", note);
        Assert.Contains("grey", note);
        Assert.Contains("inverted", note);
        Assert.True(pixels[14 * 28 + 14] > 0.8 && pixels[0] < 0.05, "the garment is light, the ground dark");

        string notImage = Path.Combine(folder, "notes.png");
        File.WriteAllText(notImage, "not a picture");
        Assert.Contains(notImage, Assert.Throws<InvalidDataException>(() => ImageFile.LoadGrey(notImage)).Message);
    }

    [Fact]
    public void BadRequestsAreOneLineErrors()
    {
        string data = SquaresFolder(), runs = TestSupport.TempFolder();
        var lenet = CliRunner.Run("vit", "train", "--preset", "lenet-cpu", "--data", data, "--out", runs, "--epochs", "1", "--batch-size", "64");
        Assert.True(lenet.code == 0, lenet.error);
        string model = Path.Combine(runs, "last.ckpt");

        var both = CliRunner.Run("vit", "predict", "--model", model, "--index", "1", "--image", model);
        Assert.NotEqual(0, both.code);
        Assert.Contains("exactly one of --index", both.error);
        var range = CliRunner.Run("vit", "predict", "--model", model, "--index", "100", "--data", data);
        Assert.Equal("error: --index must be in 0–99, got 100", range.error.Trim());
        var cnn = CliRunner.Run("vit", "predict", "--model", model, "--index", "1", "--data", data, "--attention-plot", runs);
        Assert.Equal("error: --attention-plot needs a ViT; this checkpoint is a 'lenet'", cnn.error.Trim());
        var epochs = CliRunner.Run("vit", "train", "--data", data, "--epochs", "0");
        Assert.Equal("--epochs must be at least 1, got 0", epochs.error.Trim());

        string other = TestSupport.TempFolder(), gptPath = Path.Combine(other, "gpt.ckpt");
        var chars = TransformerSharp.Text.CharTokenizer.FromText("ab");
        using (var gpt = new TransformerSharp.Models.Gpt.Gpt(new TransformerSharp.Models.Gpt.GptConfig(1, 1, 4, 4, chars.VocabSize)))
            TransformerSharp.Checkpoints.Checkpoint.Save(gptPath, "gpt", TransformerSharp.Models.Gpt.GptCheckpoint.Describe(gpt.Config, chars), gpt);
        var family = CliRunner.Run("vit", "eval", "--model", gptPath, "--data", data);
        Assert.Equal($"error: {gptPath}: this is a 'gpt' checkpoint, not an image classifier ('vit' or 'lenet')", family.error.Trim());
        var resumeOther = CliRunner.Run("vit", "train", "--data", data, "--out", other, "--resume", gptPath);
        Assert.Equal(1, resumeOther.code);
        Assert.Contains("not an image classifier", resumeOther.error);

        File.WriteAllText(Path.Combine(other, "x.ckpt"), "garbage");
        var garbage = CliRunner.Run("vit", "eval", "--model", Path.Combine(other, "x.ckpt"), "--data", data);
        Assert.Equal(1, garbage.code);
        Assert.Single(garbage.error.Trim().Split('\n'));
    }
}
