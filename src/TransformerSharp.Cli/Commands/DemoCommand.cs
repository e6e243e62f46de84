using System.CommandLine;
using Spectre.Console;
using TorchSharp;
using TransformerSharp.Attention;
using TransformerSharp.Plots;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Cli.Commands;

/// <summary>A short tour of the primitives: kernel regression, LOWESS, and multi-head attention checked against TorchSharp.</summary>
public static class DemoCommand
{
    public static Command Create(CliContext context)
    {
        var seed = new Option<long>("--seed") { Description = "seed for data and weights", DefaultValueFactory = _ => 0 };
        var outDir = new Option<DirectoryInfo>("--out") { Description = "folder for the PNG plots", DefaultValueFactory = _ => new DirectoryInfo("runs/demo") };
        var command = new Command("demo", "End-to-end tour of the attention primitives, with plots.") { seed, outDir };
        command.SetAction(parse => context.Guard(parse, () => Run(context, parse.GetValue(seed), parse.GetValue(outDir)!.FullName)));
        return command;
    }

    static int Run(CliContext context, long seed, string folder)
    {
        IAnsiConsole console = context.Console;
        var data = ToyRegressionData.Generate(seed);

        console.Write(new Rule("Attention pooling: Nadaraya–Watson regression (D2L 11.2)").LeftJustified());
        var table = new Table().AddColumns("kernel", "bandwidth", "MSE vs f");
        foreach (KernelKind kind in Enum.GetValues<KernelKind>())
        {
            var result = NadarayaWatson.Predict(data.XTrain, data.YTrain, data.XQuery, kind);
            table.AddRow(kind.ToString(), "1", result.MeanSquaredError(data.YQueryTrue).ToString("F4"));
            KernelRegressionCommand.Report(new CliContext(TextWriter.Null, context.Error), data, result, $"{kind} kernel", folder, kind.ToString().ToLowerInvariant());
        }
        var model = LearnedKernelRegression.Train(data, seed, onEpoch: (e, loss) => console.MarkupLineInterpolated($"  learning w: epoch {e}, loss {loss:F4}"));
        var learned = model.Predict(data.XTrain, data.YTrain, data.XQuery);
        table.AddRow("Gaussian, learned", model.Bandwidth.ToString("F4"), learned.MeanSquaredError(data.YQueryTrue).ToString("F4"));
        KernelRegressionCommand.Report(new CliContext(TextWriter.Null, context.Error), data, learned, "learned Gaussian kernel", folder, "learned");
        console.Write(table);

        console.Write(new Rule("LOWESS: local weighted regression (Cleveland 1979)").LeftJustified());
        var smooth = Lowess.Fit(data.XTrain, data.YTrain);
        double lowessMse = smooth.X.Select((x, i) => Math.Pow(smooth.Fitted[i] - ToyRegressionData.F(x), 2)).Average();
        console.MarkupLineInterpolated($"frac 2/3, it 3: MSE of the fit against f at the training inputs = [bold]{lowessMse:F4}[/]");
        LinePlots.Save(Path.Combine(folder, "lowess-fit.png"), new[]
        {
            new Series("data", data.XTrain, data.YTrain, Markers: true),
            new Series("truth", data.XQuery, data.YQueryTrue),
            new Series("LOWESS", smooth.X, smooth.Fitted),
        }, "LOWESS, frac 2/3, it 3", "x", "y");

        console.Write(new Rule("Multi-head attention (D2L 11.5) against TorchSharp's nn.MultiheadAttention").LeftJustified());
        using (var scope = NewDisposeScope())
        {
            TorchRuntime.Seed(seed);
            var attention = new MultiHeadAttention(numHiddens: 64, numHeads: 4);
            attention.eval();
            var reference = TorchReference.MultiheadAttentionLike(attention, bias: false);
            Tensor x = randn(2, 10, 64);
            Tensor validLens = tensor(new long[] { 10, 6 });
            Tensor ours = attention.forward(x, x, x, validLens);
            Tensor padding = arange(10).unsqueeze(0).ge(validLens.unsqueeze(1));    // true = ignore
            var (theirs, _) = TorchReference.Forward(reference, x, x, x, keyPaddingMask: padding);
            double error = (ours - theirs).abs().max().item<float>();
            console.MarkupLineInterpolated($"self-attention, batch 2 × 10 tokens × 64, 4 heads, valid lengths (10, 6): max |ours − TorchSharp| = [bold]{error:E2}[/]");
            var perHead = Enumerable.Range(0, 4).Select(h => TensorConvert.ToMatrix(attention.AttentionWeights![4 + h])).ToList();
            AttentionHeatmap.SaveGrid(Path.Combine(folder, "multihead-attention.png"), perHead,
                Enumerable.Range(0, 4).Select(h => $"head {h + 1} (row 2, valid length 6)").ToList());
        }
        console.MarkupLineInterpolated($"plots written to {folder}");
        return 0;
    }
}
