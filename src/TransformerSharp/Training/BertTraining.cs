using System.Text.Json.Nodes;
using TransformerSharp.Models.Bert;
using TransformerSharp.Text;
using TransformerSharp.Torch;

namespace TransformerSharp.Training;

/// <summary>What `bert pretrain` needs: WikiText-2's text, the recipe, the seed and where to write.</summary>
public sealed record BertPretrainSettings(string WikiText, BertPretrainingRecipe Recipe, long Seed, string OutDir);

public sealed record BertPretrainOutcome(BertForPretraining Model, WikiTextBert Corpus, TrainingResult Result,
                                         (double mlm, double nsp) LastStep, (double mlm, double nsp) HeldOut);

/// <summary>What `bert finetune-nli` needs: SNLI and MultiNLI pairs, where the encoder comes from, the recipe, the seed.</summary>
/// <param name="Init">"minilm", "d2l-small" (pretrain D2L's small BERT first, into OutDir/pretrain), or a `bert pretrain` checkpoint.</param>
public sealed record NliSettings(IReadOnlyList<NliPair> Snli, IReadOnlyList<NliPair> MultiNli, string Init, NliRecipe Recipe, long Seed,
                                 string OutDir, Func<string>? WikiText = null);

public sealed record NliOutcome(BertClassifier Model, TrainingResult Result, int TrainPairs, double SnliAccuracy, double SnliMajority,
                                int SnliTestPairs, double MultiNliAccuracy, double MultiNliMajority);

/// <summary>The BERT family's training entry points: D2L's pretraining and NLI fine-tuning.</summary>
public static class BertTraining
{
    public static BertPretrainOutcome Pretrain(BertPretrainSettings settings, TrainingObserver observer)
    {
        var recipe = settings.Recipe;
        recipe.Training.Validate();
        var corpus = new WikiTextBert(settings.WikiText.Split('\n'), recipe.MaxLength, seed: (int)settings.Seed);
        observer.Info($"{corpus.Examples.Count:N0} sentence pairs, vocabulary {corpus.Vocab.Count:N0} (words seen at least 5 times)");
        TorchRuntime.Seed(settings.Seed);
        var model = new BertForPretraining(recipe.Model with { VocabSize = corpus.Vocab.Count });
        var task = new BertPretrainingTask(model, corpus, recipe.Training.BatchSize, settings.Seed);
        var result = observer.Run("bert", task, recipe.Training.ToTrainerOptions(settings.Seed, settings.OutDir));
        return new BertPretrainOutcome(model, corpus, result, (task.LastMlm, task.LastNsp), task.LastEvaluation);
    }

    public static NliOutcome FineTuneNli(NliSettings settings, TrainingObserver observer)
    {
        settings.Recipe.Training.Validate();
        var (train, test) = NliData.Split(settings.Snli, 0.2, settings.Seed);
        observer.Info($"SNLI dev split {train.Count:N0} train / {test.Count:N0} test (seed {settings.Seed}); " +
                      $"MultiNLI matched dev {settings.MultiNli.Count:N0} for out-of-domain testing");
        var (bert, tokenizer) = Encoder(settings, observer);
        var encoder = PairEncoders.For(tokenizer, settings.Recipe.MaxLength);
        TorchRuntime.Seed(settings.Seed + 1);
        var classifier = new BertClassifier(bert, NliData.Labels.Length);
        var training = settings.Recipe.Training;
        var task = new NliTask(classifier, encoder, train, test, training.BatchSize, settings.Seed, settings.Recipe.MaxLength);
        var result = observer.Run("nli", task, training.ToTrainerOptions(settings.Seed, settings.OutDir, task.StepsPerEpoch));
        if (result.Interrupted) return new NliOutcome(classifier, result, train.Count, double.NaN, double.NaN, test.Count, double.NaN, double.NaN);
        return new NliOutcome(classifier, result, train.Count,
            NliTask.Accuracy(classifier, encoder, test), NliData.MajorityBaseline(train, test), test.Count,
            NliTask.Accuracy(classifier, encoder, settings.MultiNli), NliData.MajorityBaseline(train, settings.MultiNli));
    }

    /// <summary>The encoder to start from and its tokenizer.</summary>
    static (Models.Bert.Bert bert, ITokenizer tokenizer) Encoder(NliSettings settings, TrainingObserver observer)
    {
        if (settings.Init == "minilm") return (MiniLm.Model(), MiniLm.Tokenizer());
        string checkpoint = settings.Init;
        if (settings.Init == "d2l-small")
        {
            string folder = Path.Combine(settings.OutDir, "pretrain");
            observer.Info($"pretraining D2L's small BERT on WikiText-2 first (bert pretrain --preset d2l-small --out {folder})");
            var wikiText = settings.WikiText?.Invoke() ?? throw new UserError("--init d2l-small needs WikiText-2 (--wikitext)");
            Pretrain(new BertPretrainSettings(wikiText, BertPresets.D2LSmall, settings.Seed, folder), observer);
            checkpoint = Path.Combine(folder, "best.ckpt");
        }
        var (pretrained, tokenizer, _) = BertCheckpoint.LoadPretraining(checkpoint);
        return (pretrained.Encoder, tokenizer);
    }
}
