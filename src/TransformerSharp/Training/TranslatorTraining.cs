using TransformerSharp.Generation;
using TransformerSharp.Models.Translator;
using TransformerSharp.Text;
using TransformerSharp.Torch;

namespace TransformerSharp.Training;

/// <summary>What `translate train` needs: the corpus text, the recipe (preset with overrides), the seed, where to write.</summary>
public sealed record TranslatorTrainSettings(string CorpusText, string CorpusName, string PresetName, TranslatorRecipe Recipe, long Seed,
                                             string OutDir, string? Resume = null);

public sealed record TranslatorTrainOutcome(Translator Translator, TranslationSplits Splits, TrainingResult Result);

/// <summary>The translator family's training entry point.</summary>
public static class TranslatorTraining
{
    public static TranslatorTrainOutcome Train(TranslatorTrainSettings settings, TrainingObserver observer)
    {
        TranslatorRecipe recipe = settings.Recipe;
        recipe.Training.Validate();
        TranslationSplits splits = recipe.Data.Prepare(settings.CorpusText, settings.Seed, settings.CorpusName);
        TranslationData d = splits.Data;
        observer.Info($"{d.Pairs.Count:N0} pairs ({splits.Skipped} malformed lines skipped): {splits.Train.Length:N0} train, " +
                      $"{splits.Valid.Length:N0} validation, {splits.Test.Length:N0} test; num_steps {d.NumSteps}; " +
                      $"vocabularies {d.SourceVocab.Count:N0} English, {d.TargetVocab.Count:N0} French");

        TorchRuntime.Seed(settings.Seed);
        ISeq2SeqModel model = CreateModel(recipe, d.SourceVocab.Count, d.TargetVocab.Count);
        var task = new TranslationTask(model, d, splits.Train, splits.Valid, recipe.Training.BatchSize, settings.Seed,
                                       recipe.Data.BucketByLength, recipe.Training.LabelSmoothing, settings.PresetName);
        var options = recipe.Training.ToTrainerOptions(settings.Seed, settings.OutDir, task.StepsPerEpoch);
        int epochs = options.Iterations / task.StepsPerEpoch;
        var result = observer.Run($"{recipe.Architecture} ({epochs} epochs)", task, options, settings.Resume);
        return new TranslatorTrainOutcome(new Translator(model, d), splits, result);
    }

    /// <summary>The recipe's architecture with the data's vocabulary sizes.</summary>
    public static ISeq2SeqModel CreateModel(TranslatorRecipe recipe, int sourceVocabSize, int targetVocabSize) => recipe.Architecture switch
    {
        TranslatorArchitecture.Transformer => new Transformer(recipe.Transformer! with { SourceVocabSize = sourceVocabSize, TargetVocabSize = targetVocabSize }),
        TranslatorArchitecture.Bahdanau => new Bahdanau(recipe.Bahdanau! with { SourceVocabSize = sourceVocabSize, TargetVocabSize = targetVocabSize }),
        string other => throw new UserError($"unknown translator architecture '{other}': use {string.Join(" or ", TranslatorArchitecture.All)}"),
    };
}
