using System.CommandLine;
using Spectre.Console;
using TransformerSharp.Data;
using TransformerSharp.Models;
using TransformerSharp.Models.Vit;
using TransformerSharp.Training;

namespace TransformerSharp.Cli.Commands;

/// <summary>vit train, vit eval and vit predict: the Vision Transformer (and its CNN baseline) on Fashion-MNIST.</summary>
public static class VitCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("vit", "The Vision Transformer (D2L 11.8) on Fashion-MNIST: train, evaluate, predict and show where it looks.");
        command.Subcommands.Add(Train(context));
        command.Subcommands.Add(VitPredictCommands.Eval(context));
        command.Subcommands.Add(VitPredictCommands.Predict(context));
        return command;
    }

    public static Option<DirectoryInfo?> DataOption() => new("--data")
    {
        Description = $"folder with Fashion-MNIST's four IDX files (else ${FashionMnist.EnvironmentVariable}, else {FashionMnist.DebianFolder})",
    };

    static Command Train(CliContext context)
    {
        var preset = new Option<string>("--preset") { Description = "named recipe", DefaultValueFactory = _ => "fashion-cpu" };
        preset.AcceptOnlyFromAmong(VitPresets.All.Select(p => p.Name).ToArray());
        var data = DataOption();
        var outDir = new Option<DirectoryInfo>("--out") { Description = "folder for checkpoints and plots", DefaultValueFactory = _ => new DirectoryInfo("runs/vit") };
        var epochs = new Option<int?>("--epochs") { Description = "passes over the training images" };
        var batch = new Option<int?>("--batch-size") { Description = "images per step" };
        var lr = new Option<double?>("--lr") { Description = "(peak) learning rate" };
        var seed = new Option<long>("--seed") { Description = "fixes initialisation, data order, augmentation and dropout", DefaultValueFactory = _ => 0 };
        var resume = new Option<FileInfo?>("--resume") { Description = "continue exactly from a checkpoint (last.ckpt)" };
        var command = new Command("train", "Train a ViT (or the LeNet baseline, --preset lenet-cpu) on Fashion-MNIST.")
        {
            preset, data, outDir, epochs, batch, lr, seed, resume,
        };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            var p = VitPresets.Find(parse.GetValue(preset)!);
            var recipe = p with
            {
                Training = p.Training with
                {
                    Epochs = parse.GetValue(epochs) ?? p.Training.Epochs, BatchSize = parse.GetValue(batch) ?? p.Training.BatchSize,
                    LearningRate = parse.GetValue(lr) ?? p.Training.LearningRate,
                },
            };
            recipe.Training.Validate();
            var (train, test) = FashionMnist.Load(FashionMnist.Locate(parse.GetValue(data)?.FullName));
            var settings = new VitTrainSettings(train, test, recipe, parse.GetValue(seed), parse.GetValue(outDir)!.FullName, parse.GetValue(resume)?.FullName);
            int stepsPerEpoch = VitTraining.StepsPerEpoch(train.Count, recipe);
            var outcome = TrainingView.Run(context, settings.OutDir, observer => VitTraining.Train(settings, observer), e => DescribeEpoch(e, stepsPerEpoch));
            using var model = outcome.Model;
            if (outcome.Test is null) return 130;
            context.Console.MarkupLineInterpolated($"trained in {outcome.Result.Elapsed.TotalSeconds:F0} s");
            context.Console.Profile.Out.Writer.WriteLine($"test accuracy {outcome.Test.Accuracy:F4}");
            return 0;
        }, interruptible: true));
        return command;
    }

    /// <summary>"epoch 3: train loss …, train acc …, valid loss …, valid acc …, test acc …".</summary>
    static string DescribeEpoch(Training.Evaluation e, int stepsPerEpoch)
    {
        double Metric(string name) => e.Metrics?.GetValueOrDefault(name, double.NaN) ?? double.NaN;
        return $"epoch {e.Step / Math.Max(1, stepsPerEpoch)}: train loss {e.TrainLoss:F4}, train acc {Metric("train_accuracy"):F4}, " +
               $"valid loss {TrainingView.Loss(e.ValidLoss)}, valid acc {Metric("valid_accuracy"):F4}, test acc {Metric("test_accuracy"):F4}";
    }
}
