using System.Text.Json.Nodes;
using TransformerSharp.Checkpoints;
using TransformerSharp.Models.Bert;
using TransformerSharp.Text;
using TransformerSharp.Torch;

namespace TransformerSharp.Training;

/// <summary>What `bert pretrain` needs: WikiText-2's text, the recipe, the seed, where to write, and a checkpoint to resume.</summary>
public sealed record BertPretrainSettings(string WikiText, BertPretrainingRecipe Recipe, long Seed, string OutDir, string? Resume = null);

public sealed record BertPretrainOutcome(BertForPretraining Model, WikiTextBert Corpus, TrainingResult Result,
                                         (double mlm, double nsp) LastStep, (double mlm, double nsp) HeldOut);

/// <summary>What `bert finetune-nli` needs: SNLI and MultiNLI pairs, where the encoder comes from, the recipe, the seed.</summary>
/// <param name="Init">"minilm", "d2l-small" (pretrain D2L's small BERT first, into OutDir/pretrain), a `bert pretrain` checkpoint, or a
/// Hugging Face BERT directory.</param>
/// <param name="Resume">a `bert finetune-nli` last.ckpt to continue; the encoder then comes from it, not from Init.</param>
public sealed record NliSettings(IReadOnlyList<NliPair> Snli, IReadOnlyList<NliPair> MultiNli, string Init, NliRecipe Recipe, long Seed,
                                 string OutDir, Func<string>? WikiText = null, string? Resume = null);

public sealed record NliOutcome(BertClassifier Model, TrainingResult Result, int TrainPairs, double SnliAccuracy, double SnliMajority,
                                int SnliTestPairs, double MultiNliAccuracy, double MultiNliMajority);

/// <summary>The BERT family's training entry points: D2L's pretraining and NLI fine-tuning.</summary>
public static class BertTraining
{
    public static BertPretrainOutcome Pretrain(BertPretrainSettings settings, TrainingObserver observer)
    {
        var recipe = settings.Recipe;
        recipe.Training.Validate();
        long seed = settings.Seed;
        int maxLength = recipe.MaxLength;
        CheckpointHeader? header = settings.Resume is null ? null : Checkpoint.ReadHeader(settings.Resume, BertCheckpoint.PretrainingKind);
        if (header is not null)
        {
            seed = Resuming.Seed(header, seed, observer);
            maxLength = header.Metadata["data"]?["max_length"]?.GetValue<int>() ?? maxLength;
        }
        var corpus = new WikiTextBert(settings.WikiText.Split('\n'), maxLength, seed: (int)seed);
        observer.Info($"{corpus.Examples.Count:N0} sentence pairs, vocabulary {corpus.Vocab.Count:N0} (words seen at least 5 times)");
        // The vocabulary is rebuilt from the text: a resumed run must read the same text, or its ids would mean other words.
        if (header is not null && !JsonNode.DeepEquals(header.Tokenizer, corpus.Vocab.Describe()))
            throw new UserError($"{settings.Resume}: its vocabulary differs from this text's; resume with the --data it was trained on");
        TorchRuntime.Seed(seed);
        var model = new BertForPretraining(header is null ? recipe.Model with { VocabSize = corpus.Vocab.Count } : BertCheckpoint.Config(header));
        var task = new BertPretrainingTask(model, corpus, recipe.Training.BatchSize, seed);
        var result = observer.Run("bert", task, recipe.Training.ToTrainerOptions(seed, settings.OutDir), settings.Resume);
        return new BertPretrainOutcome(model, corpus, result, (task.LastMlm, task.LastNsp), task.LastEvaluation);
    }

    public static NliOutcome FineTuneNli(NliSettings settings, TrainingObserver observer)
    {
        settings.Recipe.Training.Validate();
        CheckpointHeader? header = settings.Resume is null ? null : Checkpoint.ReadHeader(settings.Resume, BertCheckpoint.ClassifierKind);
        long seed = header is null ? settings.Seed : Resuming.Seed(header, settings.Seed, observer);
        int maxLength = header?.Metadata["data"]?["max_length"]?.GetValue<int>() ?? settings.Recipe.MaxLength;
        var (train, test) = NliData.Split(settings.Snli, 0.2, seed);
        observer.Info($"SNLI dev split {train.Count:N0} train / {test.Count:N0} test (seed {seed}); " +
                      $"MultiNLI matched dev {settings.MultiNli.Count:N0} for out-of-domain testing");
        BertClassifier classifier;
        ITokenizer tokenizer;
        if (header is null)
        {
            (var bert, tokenizer) = Encoder(settings, observer);
            TorchRuntime.Seed(seed + 1);
            classifier = new BertClassifier(bert, NliData.Labels.Length);
        }
        else
        {
            // The trainer overwrites every weight from the checkpoint: only the shapes matter here.
            classifier = (BertClassifier)BertCheckpoint.BuildClassifier(header);
            tokenizer = Tokenizers.Restore(header.Tokenizer, settings.Resume!);
        }
        var encoder = PairEncoders.For(tokenizer, maxLength);
        var training = settings.Recipe.Training;
        var task = new NliTask(classifier, encoder, train, test, training.BatchSize, seed, maxLength);
        var result = observer.Run("nli", task, training.ToTrainerOptions(seed, settings.OutDir, task.StepsPerEpoch), settings.Resume);
        if (result.Interrupted) return new NliOutcome(classifier, result, train.Count, double.NaN, double.NaN, test.Count, double.NaN, double.NaN);
        return new NliOutcome(classifier, result, train.Count,
            NliTask.Accuracy(classifier, encoder, test, observer.Cancel), NliData.MajorityBaseline(train, test), test.Count,
            NliTask.Accuracy(classifier, encoder, settings.MultiNli, observer.Cancel), NliData.MajorityBaseline(train, settings.MultiNli));
    }

    /// <summary>The encoder to start from and its tokenizer.</summary>
    static (Models.Bert.Bert bert, ITokenizer tokenizer) Encoder(NliSettings settings, TrainingObserver observer)
    {
        if (settings.Init == "minilm") return (MiniLm.Model(), MiniLm.Tokenizer());
        if (Directory.Exists(settings.Init))
        {
            observer.Info($"starting from the Hugging Face BERT in {settings.Init}");
            var (bert, wordPiece) = BertHuggingFace.Load(settings.Init);
            return (bert, wordPiece);
        }
        string checkpoint = settings.Init;
        if (settings.Init == "d2l-small")
        {
            string folder = Path.Combine(settings.OutDir, "pretrain");
            observer.Info($"pretraining D2L's small BERT on WikiText-2 first (bert pretrain --preset d2l-small --out {folder})");
            var wikiText = settings.WikiText?.Invoke() ?? throw new UserError("--init d2l-small needs WikiText-2 (--wikitext)");
            var pretraining = Pretrain(new BertPretrainSettings(wikiText, BertPresets.D2LSmall, settings.Seed, folder), observer);
            checkpoint = Path.Combine(folder, "best.ckpt");
            if (pretraining.Result.Interrupted)
            {
                observer.Warning($"to go on: bert pretrain --preset d2l-small --out {folder} --resume {Path.Combine(folder, "last.ckpt")}, " +
                                 $"then bert finetune-nli --init {checkpoint}");
                throw new OperationCanceledException(observer.Cancel);
            }
        }
        var (pretrained, tokenizer, _) = BertCheckpoint.LoadPretraining(checkpoint);
        return (pretrained.Encoder, tokenizer);
    }
}
