using TransformerSharp.Checkpoints;
using TransformerSharp.Evaluation;
using TransformerSharp.Models;
using TransformerSharp.Models.Gpt;
using TransformerSharp.Text;
using TransformerSharp.Torch;

namespace TransformerSharp.Training;

/// <summary>What `gpt train` needs: the text, the recipe (preset with overrides), the seed and where to write.</summary>
public sealed record GptTrainSettings(string DataPath, GptRecipe Recipe, long Seed, string OutDir, string? Resume = null);

public sealed record GptTrainOutcome(Gpt Model, ITokenizer Tokenizer, TrainingResult Result);

/// <summary>The GPT family's training entry points: a language model on a text, and the few-shot substitution model.</summary>
public static class GptTraining
{
    public static GptTrainOutcome Train(GptTrainSettings settings, TrainingObserver observer)
    {
        string text = TextFiles.ReadNonEmpty(settings.DataPath, "a UTF-8 text to learn from");
        GptRecipe recipe = settings.Recipe;
        recipe.Training.Validate();
        long seed = settings.Seed;
        ITokenizer tokenizer;
        GptConfig config;
        if (settings.Resume is { } resume)
        {
            var header = Checkpoint.ReadHeader(resume, GptCheckpoint.Kind);
            config = ConfigJson.FromJson<GptConfig>(header.Config, resume);
            tokenizer = Tokenizers.Restore(header.Tokenizer, resume);
            seed = Resuming.Seed(header, seed, observer);
        }
        else
        {
            tokenizer = Tokenizers.Create(recipe.Tokenizer, text);
            config = recipe.Model with { VocabSize = tokenizer.VocabSize };
        }
        TorchRuntime.Seed(settings.Seed);
        int[] tokens = tokenizer.Encode(text);
        var model = new Gpt(config);
        var task = new LanguageModelTask(model, tokenizer, new TokenCorpus(tokens), recipe.Training.BatchSize, recipe.Training.EvalBatches, seed);
        observer.Info($"GPT {config.Layers} layers × {config.Heads} heads × {config.Width} wide, context {config.MaxPositions}, " +
                      $"{model.ParameterCount:N0} parameters; {tokenizer.Kind} tokenizer, vocabulary {tokenizer.VocabSize}; {tokens.Length:N0} tokens (90% train)");
        var result = observer.Run("gpt", task, recipe.Training.ToTrainerOptions(seed, settings.OutDir), settings.Resume);
        return new GptTrainOutcome(model, tokenizer, result);
    }

    /// <summary>
    /// Trains the few-shot substitution GPT (gpt fewshot), or continues it from a checkpoint, and returns its best
    /// checkpoint's model (null when interrupted: the run is then resumable from last.ckpt).
    /// </summary>
    public static (Gpt? best, TrainingResult result) TrainFewShot(GptRecipe recipe, long seed, string outDir, TrainingObserver observer, string? resume = null)
    {
        var config = recipe.Model;
        if (resume is not null)
        {
            var header = Checkpoint.ReadHeader(resume, GptCheckpoint.Kind);
            if (header.Tokenizer?["kind"]?.GetValue<string>() != FewShotSubstitution.Tokenizer.Kind)
                throw new UserError($"{resume}: not a 'gpt fewshot' checkpoint (its tokenizer is not the substitution task's)");
            config = ConfigJson.FromJson<GptConfig>(header.Config, resume);
            seed = Resuming.Seed(header, seed, observer);
        }
        TorchRuntime.Seed(seed);
        var model = new Gpt(config);
        var options = recipe.Training.ToTrainerOptions(seed, outDir);
        var result = observer.Run("fewshot", new FewShotSubstitution.Task(model, recipe.Training.BatchSize, seed), options, resume);
        return (result.Interrupted ? null : GptCheckpoint.Load(Path.Combine(outDir, "best.ckpt")).model, result);
    }
}
