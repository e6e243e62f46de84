using TorchSharp;
using TorchSharp.Modules;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Models.LeNet;

/// <summary>
/// The convolutional baseline D2L compares the ViT with: LeNet (D2L 7.6) with padding 2 on the first convolution,
/// ReLU and max pooling, optionally batch norm (D2L 8.5) and dropout, as a small modern CNN.
/// </summary>
public sealed class LeNet : ImageClassifier
{
    public LeNetConfig Config { get; }
    readonly Sequential features, classifier;

    public LeNet(LeNetConfig config) : base(nameof(LeNet), config)
    {
        config.Validate();
        Config = config;
        var c = config;
        features = nn.Sequential(Stage(1, c.Channels1, padding: 2, c.BatchNorm).Concat(Stage(c.Channels1, c.Channels2, padding: 0, c.BatchNorm)).ToArray());
        long side = ((c.ImageSize / 2) - 4) / 2;                        // 28 → 14 → 10 → 5
        classifier = nn.Sequential(
            ("flatten", nn.Flatten()),
            ("dropout1", new FastDropout(c.Dropout)), ("dense1", nn.Linear(c.Channels2 * side * side, c.Hidden1)), ("relu1", nn.ReLU()),
            ("dropout2", new FastDropout(c.Dropout)), ("dense2", nn.Linear(c.Hidden1, c.Hidden2)), ("relu2", nn.ReLU()),
            ("output", nn.Linear(c.Hidden2, c.Classes)));
        RegisterComponents();
    }

    static IEnumerable<(string, nn.Module<Tensor, Tensor>)> Stage(int input, int output, int padding, bool batchNorm)
    {
        string n = input == 1 ? "1" : "2";
        yield return ($"conv{n}", nn.Conv2d(input, output, 5, padding: padding));
        if (batchNorm) yield return ($"norm{n}", nn.BatchNorm2d(output));
        yield return ($"relu{n}", nn.ReLU());
        yield return ($"pool{n}", nn.MaxPool2d(2, 2));
    }

    public override Tensor forward(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        return classifier.forward(features.forward(Prepare(pixels))).MoveToOuterDisposeScope();
    }
}
