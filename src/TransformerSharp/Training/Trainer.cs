using System.Diagnostics;
using System.Text.Json.Nodes;
using TorchSharp;
using TorchSharp.Modules;
using TransformerSharp.Checkpoints;
using static TorchSharp.torch;
using ScalarSafeAdamW = TransformerSharp.Torch.AdamW;

namespace TransformerSharp.Training;

/// <summary>What a model brings to the one training loop: its loss on a batch, chosen from the step alone.</summary>
public interface ITrainingTask
{
    /// <summary>The checkpoint kind, such as "gpt".</summary>
    string Kind { get; }
    nn.Module Model { get; }
    /// <summary>Real (non-padding) tokens in the micro-batch last returned by TrainingLoss, for tokens/s.</summary>
    long TokensPerBatch { get; }
    /// <summary>Loss of one micro-batch. The batch must depend only on (step, micro), so a resumed run sees the same data.</summary>
    Tensor TrainingLoss(long step, int micro);
    /// <summary>
    /// Mean loss over a fixed set of batches of the split ("train" or "valid"); called under no_grad in eval mode. Checks
    /// the token between batches, so Ctrl+C stops an evaluation within one batch.
    /// </summary>
    double EvaluationLoss(string split, CancellationToken cancel);
    /// <summary>Everything besides tensors needed to rebuild the model: config, tokenizer.</summary>
    JsonObject Describe();
    /// <summary>The task's optimiser: the options' kind (AdamW with decay on matrices, as nanoGPT's configure_optimizers, or SGD).</summary>
    OptimizerHelper CreateOptimizer(TrainerOptions options) => Optimizers.Create(Model, options);
    /// <summary>Figures besides the losses to report at each evaluation (accuracies), computed after EvaluationLoss.</summary>
    IReadOnlyDictionary<string, double>? EvaluationMetrics(CancellationToken cancel) => null;
    /// <summary>What TokensPerBatch counts, for the progress line: "tok", "img".</summary>
    string ThroughputUnit => "tok";
}

public static class Optimizers
{
    public static OptimizerHelper Create(nn.Module model, TrainerOptions options) => options.Optimizer switch
    {
        OptimizerKind.AdamW => AdamW(model, options),
        OptimizerKind.Sgd => optim.SGD(model.parameters(), options.Schedule.At(0), momentum: options.Momentum, weight_decay: options.WeightDecay),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, null),
    };

    /// <summary>
    /// AdamW with weight decay on matrices (dim ≥ 2) only; biases, norms and other vectors are not decayed. With relative
    /// steps, each parameter is its own group, so that its step can follow its scale (see <see cref="StepScale"/>).
    /// </summary>
    public static OptimizerHelper AdamW(nn.Module model, TrainerOptions options)
    {
        if (options.RelativeStep)
            return new ScalarSafeAdamW(model.parameters().Select(p => new AdamW.ParamGroup(new[] { p },
                new AdamW.Options { weight_decay = p.dim() >= 2 ? options.WeightDecay : 0.0 })), options.Schedule.At(0), options.Beta1, options.Beta2);
        var decay = model.named_parameters().Where(p => p.parameter.dim() >= 2).Select(p => p.parameter).ToList();
        var noDecay = model.named_parameters().Where(p => p.parameter.dim() < 2).Select(p => p.parameter).ToList();
        return new ScalarSafeAdamW(new[]
        {
            new AdamW.ParamGroup(decay, new AdamW.Options { weight_decay = options.WeightDecay }),
            new AdamW.ParamGroup(noDecay, new AdamW.Options { weight_decay = 0.0 }),
        }, options.Schedule.At(0), options.Beta1, options.Beta2);
    }

    /// <summary>
    /// Adafactor's relative step (Shazeer and Stern 2018, the optimiser T5 was trained with): a parameter's learning rate
    /// is scaled by its root-mean-square, at least 1e-3, so that tensors initialised at very different scales (T5's
    /// embeddings at 1, its query weights at (d_model·d_kv)^-½) change by similar fractions per step.
    /// </summary>
    public static double StepScale(IEnumerable<Parameter> parameters)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        double sum = 0;
        long count = 0;
        foreach (var p in parameters)
        {
            sum += (p * p).sum().ToDouble();
            count += p.numel();
        }
        return Math.Max(1e-3, Math.Sqrt(sum / Math.Max(1, count)));
    }
}

public sealed record TrainerOptions(
    int Iterations, LearningRateSchedule Schedule, long Seed, double WeightDecay = 0.1, double Beta1 = 0.9,
    double Beta2 = 0.95, double ClipNorm = 1.0, int GradientAccumulation = 1, int EvalInterval = 250, string? OutDir = null,
    OptimizerKind Optimizer = OptimizerKind.AdamW, double Momentum = 0, bool RelativeStep = false, int KeepCheckpoints = 0, bool Bf16 = false);

public sealed record TrainingProgress(long Step, int Iterations, double Loss, double LearningRate, double TokensPerSecond, TimeSpan Elapsed,
                                      string Unit = "tok");

/// <summary>Losses after a step, and the task's other figures (accuracies) when it has them.</summary>
public sealed record Evaluation(long Step, double TrainLoss, double ValidLoss, IReadOnlyDictionary<string, double>? Metrics = null)
{
    /// <summary>A loss as printed: four decimals, or why there is none (no validation data), never NaN.</summary>
    public static string Format(double loss) => double.IsFinite(loss) ? loss.ToString("F4") : "n/a (no validation data)";
}

public sealed class TrainingResult
{
    public List<(long Step, double Loss)> TrainLosses { get; } = new();
    public List<Evaluation> Evaluations { get; } = new();
    public double BestValidLoss { get; set; } = double.PositiveInfinity;
    public long NextStep { get; set; }
    public TimeSpan Elapsed { get; set; }
    public bool Interrupted { get; set; }
    /// <summary>Ctrl+C came during the evaluation after step NextStep: a resumed run makes that evaluation first.</summary>
    public bool EvaluationPending { get; set; }
}

/// <summary>
/// The training loop every model uses: AdamW with weight decay on matrices only, a learning-rate schedule,
/// gradient accumulation and clipping, periodic evaluation, the best and the last checkpoint, exact resume.
/// Each step reseeds libtorch from (seed, step), so dropout — like the data — depends on the step alone.
/// </summary>
public static class Trainer
{
    public static TrainingResult Run(ITrainingTask task, TrainerOptions options, string? resumeFrom = null,
                                     Action<TrainingProgress>? onStep = null, Action<Evaluation>? onEvaluation = null,
                                     CancellationToken cancel = default)
    {
        nn.Module model = task.Model;
        using var precision = TransformerSharp.Torch.MatmulPrecision.Use(options.Bf16);
        var optimizer = task.CreateOptimizer(options);
        // Reading and tokenising a corpus leaves managed garbage (a whole UTF-16 copy of the text and more) that the GC
        // would keep committed for the whole run; the loop itself allocates little managed memory.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

        var result = new TrainingResult();
        if (resumeFrom != null) Resume(resumeFrom, task, optimizer, result);
        else if (options.OutDir is not null && Directory.Exists(options.OutDir))
            foreach (string old in Snapshots(options.OutDir)) File.Delete(old);          // a new run: no snapshots of an earlier one

        var clock = Stopwatch.StartNew();
        TimeSpan before = result.Elapsed;
        long tokensSeen = 0;

        // Evaluates after `step` steps and writes the checkpoints. Ctrl+C in the middle leaves the evaluation pending
        // in last.ckpt, and a resumed run makes it first, so that resuming changes nothing.
        void EvaluateAndSave(long step)
        {
            Evaluation evaluation;
            try { evaluation = Evaluate(task, step, cancel); }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                result.Interrupted = result.EvaluationPending = true;
                return;
            }
            result.EvaluationPending = false;
            result.Evaluations.Add(evaluation);
            onEvaluation?.Invoke(evaluation);
            result.Elapsed = before + clock.Elapsed;
            // Without validation data, the best checkpoint is the one with the lowest training loss.
            double criterion = double.IsFinite(evaluation.ValidLoss) ? evaluation.ValidLoss : evaluation.TrainLoss;
            bool best = criterion < result.BestValidLoss;
            if (best) result.BestValidLoss = criterion;
            Save(options, "last.ckpt", task, optimizer, result);
            // The same state under both names: the best checkpoint is a copy of the file just written.
            if (best && options.OutDir is not null) Checkpoint.Copy(Path.Combine(options.OutDir, "last.ckpt"), Path.Combine(options.OutDir, "best.ckpt"));
            if (options.KeepCheckpoints > 0) KeepSnapshot(options, step, task, result);
        }

        if (result.EvaluationPending) EvaluateAndSave(result.NextStep);
        for (long step = result.NextStep; step < options.Iterations && !result.Interrupted; step++)
        {
            if (cancel.IsCancellationRequested) { result.Interrupted = true; break; }
            model.train();
            manual_seed(options.Seed * 1_000_003 + step);
            double lr = options.Schedule.At(step);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = options.RelativeStep ? lr * Optimizers.StepScale(((ParamGroup)group).Parameters) : lr;
            optimizer.zero_grad();
            double loss = 0;
            for (int micro = 0; micro < options.GradientAccumulation; micro++)
            {
                using var scope = NewDisposeScope();
                Tensor batchLoss = task.TrainingLoss(step, micro);
                TransformerSharp.Torch.Scalars.DividedBy(batchLoss, options.GradientAccumulation).backward();   // an implicit Scalar here could be freed mid-call
                loss += batchLoss.ToDouble() / options.GradientAccumulation;
                tokensSeen += task.TokensPerBatch;
            }
            if (!double.IsFinite(loss))
                throw new UserError($"the training loss became {loss} at step {step}" +
                    (result.Evaluations.Count > 0 && options.OutDir is not null ? $"; {Path.Combine(options.OutDir, "last.ckpt")} holds the state of step {result.Evaluations[^1].Step}" : "") +
                    " — lower the learning rate");
            if (options.ClipNorm > 0) nn.utils.clip_grad_norm_(model.parameters(), options.ClipNorm);
            optimizer.step();
            result.TrainLosses.Add((step, loss));
            result.NextStep = step + 1;
            double seconds = clock.Elapsed.TotalSeconds;
            onStep?.Invoke(new TrainingProgress(step, options.Iterations, loss, lr, tokensSeen / Math.Max(seconds, 1e-9), before + clock.Elapsed, task.ThroughputUnit));

            if ((step + 1) % options.EvalInterval == 0 || step + 1 == options.Iterations) EvaluateAndSave(step + 1);
        }
        result.Elapsed = before + clock.Elapsed;
        if (result.Interrupted) Save(options, "last.ckpt", task, optimizer, result);
        return result;
    }

    /// <summary>A random source determined by (seed, step, micro) alone: how tasks draw batches so that resume is exact.</summary>
    public static Random StepRandom(long seed, long step, long micro = 0) =>
        new((int)(Math.Abs(seed * 1_000_003 + step * 7919 + micro) % int.MaxValue));

    /// <summary>Losses (and figures) after a step; throws OperationCanceledException once the token is cancelled.</summary>
    public static Evaluation Evaluate(ITrainingTask task, long step, CancellationToken cancel = default)
    {
        task.Model.eval();
        using var noGrad = no_grad();
        double train = task.EvaluationLoss("train", cancel), valid = task.EvaluationLoss("valid", cancel);
        var metrics = task.EvaluationMetrics(cancel);
        cancel.ThrowIfCancellationRequested();
        return new Evaluation(step, train, valid, metrics);
    }

    static void Save(TrainerOptions options, string name, ITrainingTask task, OptimizerHelper? optimizer, TrainingResult result)
    {
        if (options.OutDir is null) return;
        JsonObject metadata = task.Describe();
        metadata["training"] = new JsonObject
        {
            ["next_step"] = result.NextStep,
            ["iterations"] = options.Iterations,
            ["evaluation_pending"] = result.EvaluationPending,
            ["best_valid_loss"] = double.IsFinite(result.BestValidLoss) ? result.BestValidLoss : null,
            ["elapsed_seconds"] = result.Elapsed.TotalSeconds,
            ["seed"] = options.Seed,
            ["train_losses"] = new JsonArray(result.TrainLosses.Select(l => (JsonNode)new JsonArray(l.Step, l.Loss)).ToArray()),
            ["evaluations"] = new JsonArray(result.Evaluations.Select(e => (JsonNode)new JsonArray(e.Step, Finite(e.TrainLoss), Finite(e.ValidLoss),
                e.Metrics is null ? null : new JsonObject(e.Metrics.Select(m => KeyValuePair.Create(m.Key, Finite(m.Value)))))).ToArray()),
        };
        Checkpoint.Save(Path.Combine(options.OutDir, name), task.Kind, metadata, task.Model, optimizer);
    }

    /// <summary>The model alone after this evaluation (step-N.ckpt), the newest KeepCheckpoints of them kept, for averaging.</summary>
    static void KeepSnapshot(TrainerOptions options, long step, ITrainingTask task, TrainingResult result)
    {
        if (options.OutDir is null) return;
        Save(options, $"{SnapshotPrefix}{step:D7}.ckpt", task, optimizer: null, result);
        foreach (string old in Snapshots(options.OutDir).SkipLast(options.KeepCheckpoints)) File.Delete(old);
    }

    public const string SnapshotPrefix = "step-";

    /// <summary>The model snapshots a run kept in its folder, oldest first.</summary>
    public static IReadOnlyList<string> Snapshots(string folder) =>
        Directory.GetFiles(folder, SnapshotPrefix + "*.ckpt").Order(StringComparer.Ordinal).ToList();

    static JsonNode? Finite(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    static void Resume(string path, ITrainingTask task, OptimizerHelper optimizer, TrainingResult result)
    {
        var header = Checkpoint.ReadHeader(path, task.Kind);
        Checkpoint.Load(path, task.Kind, task.Model, optimizer);
        var training = header.Training ?? throw new InvalidDataException($"{path}: the checkpoint has no training state to resume");
        result.NextStep = training["next_step"]!.GetValue<long>();
        result.BestValidLoss = training["best_valid_loss"]?.GetValue<double>() ?? double.PositiveInfinity;
        result.Elapsed = TimeSpan.FromSeconds(training["elapsed_seconds"]?.GetValue<double>() ?? 0);
        result.EvaluationPending = training["evaluation_pending"]?.GetValue<bool>() ?? false;
        foreach (JsonNode? item in training["train_losses"]!.AsArray())
            result.TrainLosses.Add((item![0]!.GetValue<long>(), item[1]!.GetValue<double>()));
        foreach (JsonNode? item in training["evaluations"]!.AsArray())
            result.Evaluations.Add(new Evaluation(item![0]!.GetValue<long>(), item[1]?.GetValue<double>() ?? double.NaN, item[2]?.GetValue<double>() ?? double.NaN,
                (item.AsArray().Count > 3 ? item[3] as JsonObject : null)?.ToDictionary(m => m.Key, m => m.Value?.GetValue<double>() ?? double.NaN)));
    }
}
