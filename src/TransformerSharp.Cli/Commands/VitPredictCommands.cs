using System.CommandLine;
using Spectre.Console;
using TransformerSharp.Data;
using TransformerSharp.Models;
using TransformerSharp.Models.Vit;
using TransformerSharp.Plots;
using TransformerSharp.Training;
using static TorchSharp.torch;

namespace TransformerSharp.Cli.Commands;

/// <summary>vit eval (accuracy, confusion matrix, a grid of predictions) and vit predict (top 3, attention maps).</summary>
public static class VitPredictCommands
{
    public static Command Eval(CliContext context)
    {
        var model = new Option<FileInfo>("--model") { Description = "a vit train checkpoint (best.ckpt)", Required = true };
        var data = VitCommand.DataOption();
        var grid = new Option<FileInfo?>("--grid") { Description = "PNG of the first test images with predicted and true classes (default: beside the checkpoint)" };
        var command = new Command("eval", "Test accuracy and confusion matrix on Fashion-MNIST's 10,000 test images.") { model, data, grid };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            string path = parse.GetValue(model)!.FullName;
            var (classifier, classes, _) = ImageClassifierCheckpoint.Load(path);
            using var _m = classifier;
            var (_, test) = FashionMnist.Load(FashionMnist.Locate(parse.GetValue(data)?.FullName));
            var score = ImageBatches.Score(classifier, test);
            context.Console.Write(ConfusionTable(ImageBatches.ConfusionMatrix(test, score.Predicted, classes.Count), classes));
            string gridPath = parse.GetValue(grid)?.FullName ?? Path.Combine(Path.GetDirectoryName(path)!, Path.GetFileNameWithoutExtension(path) + "-test-predictions.png");
            SaveGrid(gridPath, test, score, classes, count: 40);
            context.Console.MarkupLineInterpolated($"predictions on the first 40 test images (mistakes in red): {gridPath}");
            if (classifier is Vit vit)
            {
                var (rollout, lastBlock, area) = GarmentShare(vit, test, count: 500);
                context.Console.MarkupLineInterpolated($"first 500 test images: the patches that show the garment are {area:P1} of the image and get {rollout:P1} of <cls>'s attention rollout, {lastBlock:P1} of its last-block attention (heads averaged)");
            }
            context.Console.Profile.Out.Writer.WriteLine($"test accuracy {score.Accuracy:F4}");
            return 0;
        }));
        return command;
    }

    /// <summary>Mean shares over the first images: the rollout's and the last block's &lt;cls&gt; attention on the garment, and its area.</summary>
    static (double rollout, double lastBlock, double area) GarmentShare(Vit vit, ImageSet set, int count)
    {
        double rollout = 0, lastBlock = 0, area = 0;
        int n = Math.Min(count, set.Count);
        for (int i = 0; i < n; i++)
        {
            float[] pixels = set.ScaledImage(i);
            using var input = tensor(pixels, new long[] { set.Height, set.Width });
            var maps = VitAttentionMaps.Compute(vit, input);
            float[] last = Enumerable.Range(0, maps.Rollout.Length).Select(p => maps.ClsAttention[^1].Average(head => head[p])).ToArray();
            var (r, a) = VitAttentionMaps.ObjectShare(maps.Rollout, pixels, set.Width, maps.PatchesPerSide);
            (rollout, lastBlock, area) = (rollout + r / n, lastBlock + VitAttentionMaps.ObjectShare(last, pixels, set.Width, maps.PatchesPerSide).massOnObject / n, area + a / n);
        }
        return (rollout, lastBlock, area);
    }

    static Table ConfusionTable(int[,] counts, IReadOnlyList<string> classes)
    {
        var table = new Table { Title = new TableTitle("confusion matrix: true class (rows) against predicted class (columns)") };
        table.AddColumn("true \\ predicted");
        foreach (string name in classes) table.AddColumn(new TableColumn(Markup.Escape(name)).RightAligned());
        table.AddColumn(new TableColumn("recall").RightAligned());
        for (int t = 0; t < classes.Count; t++)
        {
            int total = Enumerable.Range(0, classes.Count).Sum(p => counts[t, p]);
            var cells = new List<string> { Markup.Escape(classes[t]) };
            cells.AddRange(Enumerable.Range(0, classes.Count).Select(p => p == t ? $"[bold]{counts[t, p]}[/]" : counts[t, p].ToString()));
            cells.Add(total == 0 ? "-" : (counts[t, t] / (double)total).ToString("P1"));
            table.AddRow(cells.ToArray());
        }
        return table;
    }

    static void SaveGrid(string path, ImageSet set, ClassificationScore score, IReadOnlyList<string> classes, int count)
    {
        var panels = Enumerable.Range(0, Math.Min(count, set.Count)).Select(i =>
        {
            int truth = set.Labels[i], predicted = score.Predicted[i];
            string caption = predicted == truth ? $"{classes[predicted]} {score.Probabilities[i, predicted]:P0}"
                                                : $"{classes[predicted]} {score.Probabilities[i, predicted]:P0}\ntrue: {classes[truth]}";
            return new ImagePanel(set.ScaledImage(i), set.Width, caption, Mistake: predicted != truth);
        }).ToList();
        ImagePanels.Save(path, panels, columns: 8, title: $"test images 0–{panels.Count - 1}: predicted class and probability; mistakes in red with the true class");
    }

    public static Command Predict(CliContext context)
    {
        var model = new Option<FileInfo>("--model") { Description = "a vit train checkpoint", Required = true };
        var index = new Option<int?>("--index") { Description = "a Fashion-MNIST test image, 0–9999" };
        var image = new Option<FileInfo?>("--image") { Description = "an image file (converted to 28×28 grey when it is not)" };
        var attentionPlot = new Option<DirectoryInfo?>("--attention-plot") { Description = "folder for the <cls> attention of every head and block, and the rollout (ViT only)" };
        var data = VitCommand.DataOption();
        var command = new Command("predict", "The top three classes for one image, and optionally where the ViT looks.") { model, index, image, attentionPlot, data };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            if ((parse.GetValue(index) is null) == (parse.GetValue(image) is null)) throw new UserError("give exactly one of --index N and --image FILE");
            var (classifier, classes, header) = ImageClassifierCheckpoint.Load(parse.GetValue(model)!.FullName);
            using var _m = classifier;
            var (pixels, label, name) = ReadInput(context, parse.GetValue(index), parse.GetValue(image)?.FullName, parse.GetValue(data)?.FullName);
            using var input = tensor(pixels, new long[] { 1, FashionMnist.Side, FashionMnist.Side });
            float[] p;
            using (no_grad()) { using var logits = classifier.forward(input); using var soft = logits.softmax(1); p = soft[0].data<float>().ToArray(); }
            foreach (int c in Enumerable.Range(0, p.Length).OrderByDescending(c => p[c]).Take(3))
                context.Console.Profile.Out.Writer.WriteLine($"{classes[c],-12} {p[c]:F4}");
            if (label is int truth) context.Console.MarkupLineInterpolated($"true class: {classes[truth]}");
            if (parse.GetValue(attentionPlot) is { } folder)
            {
                if (classifier is not Vit vit) throw new UserError($"--attention-plot needs a ViT; this checkpoint is a '{header.Kind}'");
                var (files, mass, area) = VitAttentionPlots.Save(folder.FullName, vit, pixels, name, classes);
                foreach (string file in files) context.Console.MarkupLineInterpolated($"wrote {file}");
                context.Console.MarkupLineInterpolated($"the rollout puts {mass:P0} of <cls>'s attention on the patches that show the garment ({area:P0} of the image)");
            }
            return 0;
        }));
        return command;
    }

    static (float[] pixels, int? label, string name) ReadInput(CliContext context, int? index, string? imagePath, string? dataFolder)
    {
        if (imagePath is not null)
        {
            var (pixels, note) = ImageFile.LoadGrey(imagePath);
            if (note is not null) context.Console.MarkupLineInterpolated($"[yellow]note: {note}[/]");
            return (pixels, null, Path.GetFileName(imagePath));
        }
        var (_, test) = FashionMnist.Load(FashionMnist.Locate(dataFolder));
        int i = index!.Value;
        if (i < 0 || i >= test.Count) throw new UserError($"--index must be in 0–{test.Count - 1}, got {i}");
        return (test.ScaledImage(i), test.Labels[i], $"test image {i}");
    }
}
