using TransformerSharp.Checkpoints;
using TransformerSharp.Generation;
using TransformerSharp.Models.Translator;
using TransformerSharp.Text;
using TransformerSharp.Torch;

namespace TransformerSharp.Training;

/// <summary>What `translate train` needs: the corpus text, the recipe (preset with overrides), the seed, where to write.</summary>
public sealed record TranslatorTrainSettings(string CorpusText, string CorpusName, string PresetName, TranslatorRecipe Recipe, long Seed,
                                             string OutDir, string? Resume = null);

/// <param name="Averaged">with KeepCheckpoints, the checkpoint averaging the last evaluations' models (averaged.ckpt); else null.</param>
public sealed record TranslatorTrainOutcome(Translator Translator, TranslationSplits Splits, TrainingResult Result, string? Averaged = null);

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
        double epochs = (double)options.Iterations / task.StepsPerEpoch;
        string length = recipe.Training.Iterations > 0 ? $"{options.Iterations:N0} steps, {epochs:0.#} epochs" : $"{epochs:0} epochs";
        var result = observer.Run($"{recipe.Architecture} ({length})", task, options, settings.Resume);
        string? averaged = CheckpointAverage.AfterRun(result, options, observer.Info);
        return new TranslatorTrainOutcome(new Translator(model, d), splits, result, averaged);
    }

    /// <summary>The pairs at these indices as the corpus writes them (case, punctuation and spacing untouched), for sacreBLEU.</summary>
    public static List<(string English, string French)> RawPairs(string corpusText, TranslationSplits splits, IEnumerable<int> indices)
    {
        string[] lines = corpusText.Split('\n');
        return indices.Select(i => lines[splits.Data.Pairs[i].Line - 1].TrimEnd('\r').Split('\t'))
                      .Select(fields => (fields[0].Trim(), fields[1].Trim())).ToList();
    }

    /// <summary>The recipe's architecture with the data's vocabulary sizes.</summary>
    public static ISeq2SeqModel CreateModel(TranslatorRecipe recipe, int sourceVocabSize, int targetVocabSize) => recipe.Architecture switch
    {
        TranslatorArchitecture.Transformer => new Transformer(recipe.Transformer! with { SourceVocabSize = sourceVocabSize, TargetVocabSize = targetVocabSize }),
        TranslatorArchitecture.Bahdanau => new Bahdanau(recipe.Bahdanau! with { SourceVocabSize = sourceVocabSize, TargetVocabSize = targetVocabSize }),
        string other => throw new UserError($"unknown translator architecture '{other}': use {string.Join(" or ", TranslatorArchitecture.All)}"),
    };
}
