using System.CommandLine;
using TransformerSharp.Cli.Commands;
using TransformerSharp.Models.Translator;
using TransformerSharp.Training;
using Xunit;

namespace TransformerSharp.Tests.Cli;

/// <summary>Each choice of the full-hour recipe can be turned off alone, which is how the README's ablations ran.</summary>
public class TranslatorOverridesTests
{
    static TranslatorRecipe Apply(TranslatorRecipe preset, params string[] args)
    {
        var overrides = new TranslatorOverrides();
        var command = new Command("train");
        overrides.AddTo(command);
        var parse = command.Parse(args);
        Assert.Empty(parse.Errors);
        return overrides.Apply(parse, preset);
    }

    [Fact]
    public void WarmupZeroMeansAConstantRate()
    {
        var hour = TranslatorPresets.FullHour;
        Assert.Equal((ScheduleKind.InverseSquareRoot, 500), (hour.Training.Schedule, hour.Training.Warmup));
        var constant = Apply(hour, "--warmup", "0").Training;
        Assert.Equal((ScheduleKind.Constant, 0), (constant.Schedule, constant.Warmup));
        Assert.Equal(hour.Training.LearningRate, constant.ScheduleFor(2400).At(10), 12);
        var longer = Apply(TranslatorPresets.Full, "--warmup", "4000").Training;
        Assert.Equal((ScheduleKind.InverseSquareRoot, 4000), (longer.Schedule, longer.Warmup));
    }

    [Fact]
    public void WordsInsteadOfSubwordsGiveEachLanguageItsOwnEmbedding()
    {
        var words = Apply(TranslatorPresets.FullHour, "--subwords", "0");
        Assert.Equal(0, words.Data.SubwordMerges);
        Assert.False(words.Transformer!.ShareEmbeddings);
        Assert.True(Apply(TranslatorPresets.FullHour).Transformer!.ShareEmbeddings);
        Assert.Contains("--share-embeddings needs --subwords",
                        Assert.Throws<UserError>(() => Apply(TranslatorPresets.FullHour, "--subwords", "0", "--share-embeddings")).Message);
    }

    [Fact]
    public void CaseStepsAndSmoothingOverrideThePreset()
    {
        Assert.False(TranslatorPresets.FullHour.Data.LowerCase);
        Assert.True(Apply(TranslatorPresets.FullHour, "--lower-case").Data.LowerCase);
        Assert.False(Apply(TranslatorPresets.Full, "--keep-case").Data.LowerCase);
        Assert.Contains("contradict", Assert.Throws<UserError>(() => Apply(TranslatorPresets.Full, "--keep-case", "--lower-case")).Message);

        var steps = Apply(TranslatorPresets.FullHour, "--iterations", "600").Training;
        Assert.Equal((600, 0), (steps.Iterations, steps.Epochs));
        var epochs = Apply(TranslatorPresets.FullHour, "--epochs", "2").Training;
        Assert.Equal((0, 2), (epochs.Iterations, epochs.Epochs));
        Assert.Equal((50, 0), (Apply(TranslatorPresets.D2L, "--iterations", "50").Training.Iterations, Apply(TranslatorPresets.D2L, "--iterations", "50").Training.Epochs));
        Assert.Contains("not both", Assert.Throws<UserError>(() => Apply(TranslatorPresets.D2L, "--iterations", "5", "--epochs", "1")).Message);
        Assert.Equal(0, Apply(TranslatorPresets.FullHour, "--label-smoothing", "0").Training.LabelSmoothing);
        Assert.True(TranslatorPresets.FullHour.Data.BucketByLength);
        Assert.False(Apply(TranslatorPresets.FullHour, "--no-buckets").Data.BucketByLength);

        var small = Apply(TranslatorPresets.FullHour, "--layers", "2", "--ffn-width", "64", "--dropout", "0.2").Transformer!;
        Assert.Equal((2, 256, 64, 0.2), (small.Layers, small.Width, small.FfnWidth, small.Dropout));
        Assert.Contains("--layers", Assert.Throws<UserError>(() => Apply(TranslatorPresets.D2LBahdanau, "--layers", "2")).Message);
    }
}
