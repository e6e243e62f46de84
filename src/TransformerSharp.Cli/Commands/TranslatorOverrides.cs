using System.CommandLine;
using TransformerSharp.Models.Translator;
using TransformerSharp.Training;

namespace TransformerSharp.Cli.Commands;

/// <summary>
/// The options of `translate train` that change a preset's recipe, one at a time, so that each choice of a recipe can
/// be measured by turning it off (--label-smoothing 0, --warmup 0, --subwords 0, --lower-case, --no-buckets, a smaller shape).
/// </summary>
public sealed class TranslatorOverrides
{
    readonly Option<int?> epochs = new("--epochs") { Description = "default: 30 (d2l), 8 (full); full-hour runs 2,400 steps (under 4 epochs)" };
    readonly Option<int?> iterations = new("--iterations") { Description = "optimiser steps (overrides the preset's steps or epochs)" };
    readonly Option<int?> batchSize = new("--batch-size") { Description = "default: 128 (d2l), 256 (full)" };
    readonly Option<double?> lr = new("--lr") { Description = "default: 0.001 (transformer), 0.005 (bahdanau)" };
    readonly Option<double?> labelSmoothing = new("--label-smoothing") { Description = "label smoothing of the loss (0 = none)" };
    readonly Option<int?> warmup = new("--warmup") { Description = "warmup steps of the inverse-square-root (Noam) schedule; 0 = constant rate" };
    readonly Option<int?> subwords = new("--subwords") { Description = "BPE with this many merges, one vocabulary for both languages (0 = words)" };
    readonly Option<bool> shareEmbeddings = new("--share-embeddings") { Description = "Transformer with --subwords: one embedding table for source and target" };
    readonly Option<int?> layers = new("--layers") { Description = "Transformer blocks in the encoder and in the decoder (overrides the preset)" };
    readonly Option<int?> width = new("--width") { Description = "Transformer width (overrides the preset)" };
    readonly Option<int?> heads = new("--heads") { Description = "attention heads (overrides the preset)" };
    readonly Option<int?> ffnWidth = new("--ffn-width") { Description = "feed-forward width (overrides the preset)" };
    readonly Option<double?> dropout = new("--dropout") { Description = "dropout (overrides the preset)" };
    readonly Option<bool> keepCase = new("--keep-case") { Description = "full preset: keep upper case (D2L lower-cases; names such as Tom then lose theirs)" };
    readonly Option<bool> lowerCase = new("--lower-case") { Description = "lower-case the pairs as D2L does (full-hour keeps case)" };
    readonly Option<bool> noBuckets = new("--no-buckets") { Description = "random batches padded to num_steps, as D2L's (the full presets batch pairs of similar length)" };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { epochs, iterations, batchSize, lr, labelSmoothing, warmup, subwords, shareEmbeddings, layers, width, heads,
                                                 ffnWidth, dropout, keepCase, lowerCase, noBuckets })
            command.Options.Add(option);
    }

    /// <summary>The preset's recipe with the options given; refused, naming the option, where the options contradict.</summary>
    public TranslatorRecipe Apply(ParseResult parse, TranslatorRecipe preset)
    {
        int merges = parse.GetValue(subwords) ?? preset.Data.SubwordMerges;
        bool share = parse.GetValue(shareEmbeddings);
        if (share && merges == 0) throw new UserError("--share-embeddings needs --subwords (one vocabulary for both languages)");
        if (share && preset.Transformer is null) throw new UserError("--share-embeddings is for the Transformer");
        if (preset.Transformer is null && new Option[] { layers, width, heads, ffnWidth, dropout }.FirstOrDefault(o => parse.GetResult(o) is not null) is { } given)
            throw new UserError($"{given.Name} sets the Transformer's shape; --model bahdanau keeps its preset's");
        if (parse.GetValue(keepCase) && parse.GetValue(lowerCase)) throw new UserError("--keep-case and --lower-case contradict each other");
        if (parse.GetValue(epochs) is not null && parse.GetValue(iterations) is not null) throw new UserError("give --epochs or --iterations, not both");

        var training = preset.Training with
        {
            Epochs = parse.GetValue(epochs) ?? (parse.GetValue(iterations) is null ? preset.Training.Epochs : 0),
            Iterations = parse.GetValue(iterations) ?? (parse.GetValue(epochs) is null ? preset.Training.Iterations : 0),
            BatchSize = parse.GetValue(batchSize) ?? preset.Training.BatchSize,
            LearningRate = parse.GetValue(lr) ?? preset.Training.LearningRate,
            LabelSmoothing = parse.GetValue(labelSmoothing) ?? preset.Training.LabelSmoothing,
        };
        if (parse.GetValue(warmup) is { } steps)
            training = steps > 0 ? training with { Schedule = ScheduleKind.InverseSquareRoot, Warmup = steps }
                                 : training with { Schedule = ScheduleKind.Constant, Warmup = 0 };
        training.Validate();
        return preset with
        {
            Transformer = preset.Transformer is null ? null : preset.Transformer with
            {
                // Words give each language its own vocabulary, so a preset's shared table goes with its subwords.
                ShareEmbeddings = share || (preset.Transformer.ShareEmbeddings && merges > 0),
                Layers = parse.GetValue(layers) ?? preset.Transformer.Layers, Width = parse.GetValue(width) ?? preset.Transformer.Width,
                Heads = parse.GetValue(heads) ?? preset.Transformer.Heads, FfnWidth = parse.GetValue(ffnWidth) ?? preset.Transformer.FfnWidth,
                Dropout = parse.GetValue(dropout) ?? preset.Transformer.Dropout,
            },
            Data = preset.Data with
            {
                SubwordMerges = merges,
                LowerCase = parse.GetValue(lowerCase) || (preset.Data.LowerCase && !parse.GetValue(keepCase)),
                BucketByLength = preset.Data.BucketByLength && !parse.GetValue(noBuckets),
            },
            Training = training,
        };
    }
}
