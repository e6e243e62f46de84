using System.Diagnostics;
using TransformerSharp.Checkpoints;
using TransformerSharp.Models;
using TransformerSharp.Models.T5;
using TransformerSharp.Text;
using TransformerSharp.Torch;

namespace TransformerSharp.Training;

/// <summary>
/// What `t5 pretrain` needs: the texts, the recipe (preset with overrides), the seed, where to write; Dropout:
/// dropout_rate instead of the preset's (null: the preset's).
/// </summary>
public sealed record T5PretrainSettings(IReadOnlyList<TextCorpus> Corpora, string PresetName, T5Recipe Recipe, long Seed, string OutDir,
                                        string? Resume = null, double? Dropout = null);

/// <summary>
/// What `t5 finetune` needs. Init: a pretrained checkpoint or Hugging Face T5 directory, or null to start from random weights; TokenizerFrom: with
/// no Init, the checkpoint whose tokenizer to use (else one is learned from the training dialogues). MaxTrainSamples:
/// only the first N training dialogues (null: all). Dropout: dropout_rate instead of the preset's fine-tuning rate
/// (null: the preset's, else the checkpoint's), as Hugging Face's from_pretrained(…, dropout_rate=…).
/// </summary>
public sealed record T5FinetuneSettings(string DataFolder, string? Init, string? TokenizerFrom, string PresetName, T5Recipe Recipe, long Seed,
                                        string OutDir, string? Resume = null, int? MaxTrainSamples = null, double? Dropout = null);

public sealed record T5TrainOutcome(T5 Model, T5Tokenizer Tokenizer, TrainingResult Result);

/// <summary>The T5 family's training entry points: span-corruption pretraining, then fine-tuning to summarize.</summary>
public static class T5Training
{
    public const string SummarizePrefix = "summarize: ";

    public static T5TrainOutcome Pretrain(T5PretrainSettings settings, TrainingObserver observer)
    {
        T5Recipe recipe = settings.Recipe;
        recipe.Pretraining.Validate();
        var documents = settings.Corpora.SelectMany(c => c.Documents).ToList();
        foreach (var corpus in settings.Corpora) observer.Info($"{corpus.Name}: {corpus.Documents.Count:N0} documents, {corpus.Words:N0} words");
        var (tokenizer, config, seed) = Restored(settings.Resume, settings.Seed, settings.Dropout, observer)
            ?? (Learn(documents, recipe.Merges, observer), WithDropout(recipe.Model, settings.Dropout), settings.Seed);
        config = config with { VocabSize = tokenizer.VocabSize };
        // Every 50th document is held out for the validation loss.
        var train = new List<int>();
        var valid = new List<int>();
        for (int i = 0; i < documents.Count; i++) (i % 50 == 49 ? valid : train).AddRange(tokenizer.Encode(documents[i]));
        TorchRuntime.Seed(seed);
        var model = new T5(config);
        var text = new T5TextSettings(T5TextSettings.SpanCorruption, "", recipe.InputLength, SpanCorruption.Lengths(recipe.InputLength).targetsLength);
        var task = new SpanCorruptionTask(model, tokenizer, train.ToArray(), valid.ToArray(), recipe.Pretraining.BatchSize, recipe.InputLength,
                                          recipe.Pretraining.EvalBatches, seed, T5Checkpoint.Describe(model, tokenizer, text, settings.PresetName),
                                          recipe.Pretraining.LabelSmoothing);
        observer.Info($"{Describe(model)}; {train.Count:N0} training and {valid.Count:N0} validation tokens; windows of {task.TokensLength} tokens " +
                      $"→ inputs of {recipe.InputLength}, targets of {text.MaxTargetLength}");
        var result = observer.Run("t5 pretrain", task, recipe.Pretraining.ToTrainerOptions(seed, settings.OutDir), settings.Resume);
        return new T5TrainOutcome(model, tokenizer, result);
    }

    public static T5TrainOutcome Finetune(T5FinetuneSettings settings, TrainingObserver observer)
    {
        T5Recipe recipe = settings.Recipe;
        recipe.Finetuning.Validate();
        var trainDialogues = DialogSum.Read(DialogSum.SplitFile(settings.DataFolder, "train"));
        if (settings.MaxTrainSamples is int most && most < trainDialogues.Count)
        {
            observer.Info($"fine-tuning on the first {most:N0} of {trainDialogues.Count:N0} training dialogues");
            trainDialogues = trainDialogues.Take(most).ToList();
        }
        var devDialogues = DialogSum.Read(DialogSum.SplitFile(settings.DataFolder, "dev"));
        T5 model;
        T5Tokenizer tokenizer;
        long seed = settings.Seed;
        double? dropout = settings.Dropout ?? recipe.FinetuningDropout;
        if (Restored(settings.Resume, settings.Seed, settings.Dropout, observer) is var (resumedTokenizer, resumedConfig, resumedSeed))
        {
            (tokenizer, seed) = (resumedTokenizer, resumedSeed);
            model = new T5(resumedConfig);
        }
        else if (settings.Init is { } init)
        {
            if (Directory.Exists(init)) (model, tokenizer, _) = T5HuggingFace.Load(init);
            else (model, tokenizer, _, _) = T5Checkpoint.Load(init);
            observer.Info($"starting from {init}");
            if (dropout is double rate && rate != model.Config.DropoutRate) model = model.CopyWith(WithDropout(model.Config, rate));
        }
        else
        {
            tokenizer = settings.TokenizerFrom is { } from ? T5Checkpoint.Load(from).tokenizer
                : Learn(trainDialogues.Select(d => d.Text).ToList(), recipe.Merges, observer);
            TorchRuntime.Seed(seed);
            model = new T5(WithDropout(recipe.Model, dropout) with { VocabSize = tokenizer.VocabSize });
            observer.Info("starting from random weights (no pretraining)");
        }
        var train = Pairs(trainDialogues, tokenizer, recipe, "training", observer);
        var valid = Pairs(devDialogues, tokenizer, recipe, "dev", observer);
        var text = new T5TextSettings(T5TextSettings.Summarize, SummarizePrefix, recipe.MaxSourceLength, recipe.MaxTargetLength);
        var task = new SummarizationTask(model, train, valid, recipe.Finetuning.BatchSize, recipe.Finetuning.EvalBatches, seed,
                                         T5Checkpoint.Describe(model, tokenizer, text, settings.PresetName), recipe.Finetuning.LabelSmoothing);
        observer.Info($"{Describe(model)}; {train.Count:N0} training and {valid.Count:N0} dev dialogues; sources up to {recipe.MaxSourceLength} tokens, " +
                      $"summaries up to {recipe.MaxTargetLength}");
        var options = recipe.Finetuning.ToTrainerOptions(seed, settings.OutDir, task.StepsPerEpoch);
        var result = observer.Run("t5 finetune", task, options, settings.Resume);
        CheckpointAverage.AfterRun(result, options, observer.Info);
        return new T5TrainOutcome(model, tokenizer, result);
    }

    /// <summary>(source, target) ids of dialogues: "summarize: " + dialogue and the first summary, each cut with a count of how many were.</summary>
    public static List<(int[] source, int[] target)> Pairs(IReadOnlyList<Dialogue> dialogues, T5Tokenizer tokenizer, T5Recipe recipe, string split,
                                                           TrainingObserver observer)
    {
        int cutSources = 0, cutTargets = 0;
        var pairs = new List<(int[], int[])>(dialogues.Count);
        foreach (var d in dialogues)
        {
            if (d.Summaries.Count == 0) throw new InvalidDataException($"{split} dialogue {d.Id} has no summary");
            int[] source = tokenizer.EncodeSource(SummarizePrefix, d.Text, recipe.MaxSourceLength, out bool sourceCut);
            int[] target = tokenizer.EncodeSource("", d.Summaries[0], recipe.MaxTargetLength, out bool targetCut);
            cutSources += sourceCut ? 1 : 0;
            cutTargets += targetCut ? 1 : 0;
            pairs.Add((source, target));
        }
        if (cutSources > 0) observer.Warning($"{cutSources:N0} of {dialogues.Count:N0} {split} dialogues are longer than {recipe.MaxSourceLength} tokens: cut");
        if (cutTargets > 0) observer.Warning($"{cutTargets:N0} of {dialogues.Count:N0} {split} summaries are longer than {recipe.MaxTargetLength} tokens: cut");
        return pairs;
    }

    static T5Tokenizer Learn(IReadOnlyList<string> texts, int merges, TrainingObserver observer)
    {
        var clock = Stopwatch.StartNew();
        var tokenizer = T5Tokenizer.Learn(texts, merges);
        observer.Info($"learned {tokenizer.Subwords.Merges.Count:N0} BPE merges in {clock.Elapsed.TotalSeconds:F1} s: vocabulary {tokenizer.VocabSize:N0} " +
                      $"with <pad>, </s>, <unk> and {T5Tokenizer.SentinelCount} sentinels");
        return tokenizer;
    }

    /// <summary>
    /// The tokenizer, config and seed of the checkpoint being resumed, or null when not resuming. A dropout rate other
    /// than the run's is refused: the run would not continue as it started.
    /// </summary>
    static (T5Tokenizer tokenizer, T5Config config, long seed)? Restored(string? resume, long seed, double? dropout, TrainingObserver observer)
    {
        if (resume is null) return null;
        var header = Checkpoint.ReadHeader(resume, T5Checkpoint.Kind);
        var tokenizer = Tokenizers.Restore(header.Tokenizer, resume) as T5Tokenizer ?? throw new InvalidDataException($"{resume}: not a T5 tokenizer");
        var config = ConfigJson.FromJson<T5Config>(header.Config, resume);
        if (dropout is double rate && rate != config.DropoutRate)
            throw new UserError($"--dropout {rate}: {resume} was trained with dropout {config.DropoutRate}; a resumed run keeps its rate");
        return (tokenizer, config, Resuming.Seed(header, seed, observer));
    }

    static T5Config WithDropout(T5Config config, double? dropout) => dropout is double rate ? config with { DropoutRate = rate } : config;

    static string Describe(T5 model)
    {
        var c = model.Config;
        return $"T5 {c.NumLayers}+{c.DecoderLayers} layers × {c.NumHeads} heads × d_model {c.DModel} (d_kv {c.DKv}, d_ff {c.DFf}, {c.FeedForwardProj}" +
               (c.DropoutRate > 0 ? $", dropout {c.DropoutRate}), " : "), ") +
               $"{model.ParameterCount:N0} parameters";
    }
}
