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
            // Batches and dropout follow the seed; resuming with another one would not continue the same run.
            long saved = header.Training?["seed"]?.GetValue<long>() ?? seed;
            if (saved != seed) observer.Warning($"resuming with the checkpoint's seed {saved}, not {seed}");
            seed = saved;
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

    /// <summary>Trains the few-shot substitution GPT (gpt fewshot) and returns its best checkpoint's model.</summary>
    public static Gpt TrainFewShot(GptRecipe recipe, long seed, string outDir, TrainingObserver observer)
    {
        TorchRuntime.Seed(seed);
        var model = new Gpt(recipe.Model);
        var options = recipe.Training.ToTrainerOptions(seed, outDir);
        observer.Run("fewshot", new FewShotSubstitution.Task(model, recipe.Training.BatchSize, seed), options);
        return GptCheckpoint.Load(Path.Combine(outDir, "best.ckpt")).model;
    }
}
