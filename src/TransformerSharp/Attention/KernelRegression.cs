using TorchSharp;
using System.Text.Json.Nodes;
using TorchSharp.Modules;
using TransformerSharp.Torch;
using TransformerSharp.Training;
using static TorchSharp.torch;

namespace TransformerSharp.Attention;

public enum KernelKind { Gaussian, Boxcar, Constant, Epanechikov }

/// <summary>D2L 11.2.1's similarity kernels, applied to u = (query - key) / bandwidth.</summary>
public static class Kernels
{
    public static Tensor Apply(KernelKind kind, Tensor u) => kind switch
    {
        KernelKind.Gaussian => u.square().div(-2.0).exp(),
        KernelKind.Boxcar => u.abs().lt(1.0).to(u.dtype),
        KernelKind.Constant => ones_like(u),
        // As D2L defines it: max(1 - |u|, 0). (The textbook Epanechnikov kernel is 3/4 (1 - u²) on |u| < 1.)
        KernelKind.Epanechikov => (1.0 - u.abs()).clamp_min(0.0),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Every accepted name: D2L's spelling "epanechikov" and the usual "epanechnikov" are the same kernel.</summary>
    public static readonly string[] Names = { "gaussian", "boxcar", "constant", "epanechikov", "epanechnikov" };

    public static KernelKind Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "gaussian" => KernelKind.Gaussian,
        "boxcar" => KernelKind.Boxcar,
        "constant" => KernelKind.Constant,
        "epanechikov" or "epanechnikov" => KernelKind.Epanechikov,
        _ => throw new UserError($"unknown kernel '{name}': use gaussian, boxcar, constant or epanechikov"),
    };
}

/// <summary>D2L 11.2's toy problem: f(x) = 2 sin x + x, 40 sorted x ~ U(0, 5) with y = f(x) + N(0, 1), queries 0, 0.1, …, 4.9.</summary>
public sealed record ToyRegressionData(double[] XTrain, double[] YTrain, double[] XQuery, double[] YQueryTrue)
{
    public static double F(double x) => 2 * Math.Sin(x) + x;

    public static ToyRegressionData Generate(long seed, int n = 40)
    {
        using var generator = new torch.Generator((ulong)seed);
        using var scope = NewDisposeScope();
        double[] x = (rand(n, ScalarType.Float64, generator: generator) * 5).sort().Values.data<double>().ToArray();
        double[] noise = randn(n, ScalarType.Float64, generator: generator).data<double>().ToArray();
        double[] y = x.Select((xi, i) => F(xi) + noise[i]).ToArray();
        double[] queries = Enumerable.Range(0, 50).Select(i => i / 10.0).ToArray();
        return new ToyRegressionData(x, y, queries, queries.Select(F).ToArray());
    }
}

/// <summary>Predictions at the queries and the attention weights (queries × training points) that made them.</summary>
public sealed record KernelRegressionResult(double[] Prediction, double[,] Weights)
{
    public double MeanSquaredError(IReadOnlyList<double> truth) =>
        Prediction.Select((p, i) => (p - truth[i]) * (p - truth[i])).Average();
}

/// <summary>D2L 11.2.2: Nadaraya–Watson regression, f̂(q) = Σᵢ α(q, xᵢ) yᵢ with α the kernel normalised over the keys.</summary>
public static class NadarayaWatson
{
    public static KernelRegressionResult Predict(double[] xTrain, double[] yTrain, double[] xQuery, KernelKind kernel, double bandwidth = 1.0)
    {
        if (!(bandwidth > 0)) throw new UserError($"bandwidth must be positive, got {bandwidth}");
        using var scope = NewDisposeScope();
        Tensor keys = tensor(xTrain).reshape(1, -1);                                     // (1, train)
        Tensor queries = tensor(xQuery).reshape(-1, 1);                                  // (queries, 1)
        Tensor k = Kernels.Apply(kernel, (queries - keys) / bandwidth);                 // (queries, train)
        Tensor totals = k.sum(1, keepdim: true);                                         // (queries, 1)
        double[] totalValues = totals.data<double>().ToArray();
        int empty = Array.FindIndex(totalValues, t => t <= 0);
        if (empty >= 0)
            throw new UserError($"no training point within bandwidth {bandwidth} of query {xQuery[empty]} " +
                                        $"for the {kernel} kernel: widen the bandwidth");
        Tensor weights = k / totals;                                                     // rows sum to 1
        Tensor prediction = weights.matmul(tensor(yTrain));                              // (queries)
        return new KernelRegressionResult(prediction.data<double>().ToArray(), TensorConvert.ToMatrix(weights));
    }
}

/// <summary>
/// D2L 11.2.4's parametric attention pooling: a Gaussian kernel whose width is learned. The weight w scales distances,
/// α(q, xᵢ) = softmax(-((q - xᵢ) w)² / 2), so the bandwidth is 1/|w|.
/// </summary>
public sealed class LearnedKernelRegression : nn.Module
{
    readonly Parameter w;

    public LearnedKernelRegression(Generator? generator = null) : base(nameof(LearnedKernelRegression))
    {
        w = nn.Parameter(rand(1, ScalarType.Float64, generator: generator));
        RegisterComponents();
    }

    public double Weight => w.item<double>();
    public double Bandwidth => 1.0 / Math.Abs(Weight);

    /// <summary>queries (n), keys (n, m), values (n, m) → predictions (n) and weights (n, m).</summary>
    public (Tensor prediction, Tensor weights) forward(Tensor queries, Tensor keys, Tensor values)
    {
        Tensor weights = ((queries.unsqueeze(1) - keys) * w).square().div(-2.0).softmax(1); // (n, m)
        return ((weights * values).sum(1), weights);
    }

    /// <summary>
    /// Trains w as D2L does: each training point is a query whose keys are all the other points (leave-one-out),
    /// full-batch SGD on the summed squared error, through the one training loop. Reports (epoch, loss) after each step.
    /// </summary>
    public static LearnedKernelRegression Train(ToyRegressionData data, long seed, int epochs = 5, double learningRate = 0.5,
                                                Action<int, double>? onEpoch = null)
    {
        if (epochs < 1) throw new UserError($"--epochs must be at least 1, got {epochs}");
        if (!(learningRate > 0)) throw new UserError($"--lr must be a positive number, got {learningRate}");
        using var generator = new torch.Generator((ulong)seed);
        var model = new LearnedKernelRegression(generator);
        using var task = new LeaveOneOutTask(model, data);
        var options = new TrainerOptions(epochs, LearningRateSchedule.Constant(learningRate), seed, ClipNorm: 0, EvalInterval: epochs);
        Trainer.Run(task, options, onStep: p => onEpoch?.Invoke((int)p.Step + 1, p.Loss));
        return model;
    }

    /// <summary>D2L 11.2.4's training: full-batch plain SGD on the leave-one-out squared error.</summary>
    sealed class LeaveOneOutTask : ITrainingTask, IDisposable
    {
        readonly LearnedKernelRegression model;
        readonly Tensor x, y, keys, values;

        public LeaveOneOutTask(LearnedKernelRegression model, ToyRegressionData data)
        {
            this.model = model;
            int n = data.XTrain.Length;
            x = tensor(data.XTrain);
            y = tensor(data.YTrain);
            using Tensor others = eye(n, dtype: ScalarType.Bool).logical_not();                // (n, n): all but self
            keys = x.expand(n, n).masked_select(others).reshape(n, n - 1);                      // (n, n-1)
            values = y.expand(n, n).masked_select(others).reshape(n, n - 1);                    // (n, n-1)
        }

        public string Kind => "kernel-regression";
        public nn.Module Model => model;
        public long TokensPerBatch => x.shape[0];
        public Tensor TrainingLoss(long step, int micro) => (model.forward(x, keys, values).prediction - y).square().sum();
        public double EvaluationLoss(string split, CancellationToken cancel)
        {
            using var scope = NewDisposeScope();
            return TrainingLoss(0, 0).ToDouble();
        }
        public JsonObject Describe() => new();
        public OptimizerHelper CreateOptimizer(TrainerOptions options) => optim.SGD(model.parameters(), options.Schedule.At(0));

        public void Dispose()
        {
            foreach (var t in new[] { x, y, keys, values }) t.Dispose();
        }
    }

    /// <summary>Predicts at the queries with every training point as a key.</summary>
    public KernelRegressionResult Predict(double[] xTrain, double[] yTrain, double[] xQuery)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int q = xQuery.Length, m = xTrain.Length;
        Tensor keys = tensor(xTrain).expand(q, m);
        Tensor values = tensor(yTrain).expand(q, m);
        var (prediction, weights) = forward(tensor(xQuery), keys, values);
        return new KernelRegressionResult(prediction.data<double>().ToArray(), TensorConvert.ToMatrix(weights));
    }
}
