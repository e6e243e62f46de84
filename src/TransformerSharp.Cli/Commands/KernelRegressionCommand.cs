using System.CommandLine;
using Spectre.Console;
using TransformerSharp.Attention;
using TransformerSharp.Plots;

namespace TransformerSharp.Cli.Commands;

/// <summary>kernel-regression --kernel K [--bandwidth B] [--seed S] [--out DIR] [--learn]</summary>
public static class KernelRegressionCommand
{
    public static Command Create(CliContext context)
    {
        var kernel = new Option<string>("--kernel") { Description = "similarity kernel", DefaultValueFactory = _ => "gaussian" };
        kernel.AcceptOnlyFromAmong(Kernels.Names);
        var bandwidth = new Option<double>("--bandwidth") { Description = "kernel width: the kernel sees (query - key) / bandwidth", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<long>("--seed") { Description = "seed for the toy data (and the learned weight's start)", DefaultValueFactory = _ => 0 };
        var outDir = new Option<DirectoryInfo>("--out") { Description = "folder for the PNG plots", DefaultValueFactory = _ => new DirectoryInfo("runs/kernel-regression") };
        var learn = new Option<bool>("--learn") { Description = "also learn the Gaussian kernel's width by gradient descent (D2L 11.2.4)" };
        var epochs = new Option<int>("--epochs") { Description = "epochs of full-batch SGD with --learn", DefaultValueFactory = _ => 5 };
        var lr = new Option<double>("--lr") { Description = "learning rate with --learn", DefaultValueFactory = _ => 0.5 };
        var command = new Command("kernel-regression", "Nadaraya–Watson regression on D2L's toy data: attention pooling by similarity.")
        {
            kernel, bandwidth, seed, outDir, learn, epochs, lr,
        };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            var data = ToyRegressionData.Generate(parse.GetValue(seed));
            KernelKind kind = Kernels.Parse(parse.GetValue(kernel)!);
            string folder = parse.GetValue(outDir)!.FullName;
            var result = NadarayaWatson.Predict(data.XTrain, data.YTrain, data.XQuery, kind, parse.GetValue(bandwidth));
            Report(context, data, result, $"{kind} kernel, bandwidth {parse.GetValue(bandwidth)}", folder, kind.ToString().ToLowerInvariant());
            if (parse.GetValue(learn))
            {
                var model = LearnedKernelRegression.Train(data, parse.GetValue(seed), parse.GetValue(epochs), parse.GetValue(lr),
                    (epoch, loss) => context.Console.MarkupLineInterpolated($"  epoch {epoch}, loss {loss:F6}"));
                var learned = model.Predict(data.XTrain, data.YTrain, data.XQuery);
                Report(context, data, learned, $"learned Gaussian kernel, w {model.Weight:F4} (bandwidth {model.Bandwidth:F4})", folder, "learned");
            }
            return 0;
        }));
        return command;
    }

    /// <summary>Prints the MSE against f and writes the fit and the attention weights as PNG.</summary>
    public static double Report(CliContext context, ToyRegressionData data, KernelRegressionResult result, string label, string folder, string fileStem)
    {
        double mse = result.MeanSquaredError(data.YQueryTrue);
        string fitPath = Path.Combine(folder, $"{fileStem}-fit.png"), weightsPath = Path.Combine(folder, $"{fileStem}-attention.png");
        LinePlots.Save(fitPath, new[]
        {
            new Series("data", data.XTrain, data.YTrain, Markers: true),
            new Series("truth f(x) = 2 sin x + x", data.XQuery, data.YQueryTrue),
            new Series("prediction", data.XQuery, result.Prediction),
        }, label, "x", "y");
        AttentionHeatmap.Save(weightsPath, result.Weights, $"Attention weights: {label}", "training input x", "query x",
            keyLabels: data.XTrain.Select(x => x.ToString("0.00")).ToList(), queryLabels: data.XQuery.Select(x => x.ToString("0.0")).ToList());
        context.Console.MarkupLineInterpolated($"{label}: MSE against f on the 50 queries = [bold]{mse:F4}[/]");
        context.Console.MarkupLineInterpolated($"  plots: {fitPath}, {weightsPath}");
        return mse;
    }
}
