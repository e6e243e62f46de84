using TorchSharp;
using TorchSharp.Modules;
using TransformerSharp.Torch;
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

    public static KernelKind Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "gaussian" => KernelKind.Gaussian,
        "boxcar" => KernelKind.Boxcar,
        "constant" => KernelKind.Constant,
        "epanechikov" or "epanechnikov" => KernelKind.Epanechikov,
        _ => throw new ArgumentException($"unknown kernel '{name}': use gaussian, boxcar, constant or epanechikov"),
    };
}

/// <summary>D2L 11.2's toy problem: f(x) = 2 sin x + x, 40 sorted x ~ U(0, 5) with y = f(x) + N(0, 1), queries 0, 0.1, …, 4.9.</summary>
public sealed record ToyRegressionData(double[] XTrain, double[] YTrain, double[] XQuery, double[] YQueryTrue)
{
    public static double F(double x) => 2 * Math.Sin(x) + x;

    public static ToyRegressionData Generate(long seed, int n = 40)
    {
        var generator = new torch.Generator((ulong)seed);
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
        if (!(bandwidth > 0)) throw new ArgumentOutOfRangeException(nameof(bandwidth), $"bandwidth must be positive, got {bandwidth}");
        using var scope = NewDisposeScope();
        Tensor keys = tensor(xTrain).reshape(1, -1);                                     // (1, train)
        Tensor queries = tensor(xQuery).reshape(-1, 1);                                  // (queries, 1)
        Tensor k = Kernels.Apply(kernel, (queries - keys) / bandwidth);                 // (queries, train)
        Tensor totals = k.sum(1, keepdim: true);                                         // (queries, 1)
        double[] totalValues = totals.data<double>().ToArray();
        int empty = Array.FindIndex(totalValues, t => t <= 0);
        if (empty >= 0)
            throw new ArgumentException($"no training point within bandwidth {bandwidth} of query {xQuery[empty]} " +
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
    /// full-batch SGD on the summed squared error. Reports (epoch, loss) after each step.
    /// </summary>
    public static LearnedKernelRegression Train(ToyRegressionData data, long seed, int epochs = 5, double learningRate = 0.5,
                                                Action<int, double>? onEpoch = null)
    {
        var model = new LearnedKernelRegression(new torch.Generator((ulong)seed));
        int n = data.XTrain.Length;
        using Tensor x = tensor(data.XTrain), y = tensor(data.YTrain);
        using Tensor others = eye(n, dtype: ScalarType.Bool).logical_not();                  // (n, n): all but self
        using Tensor keys = x.expand(n, n).masked_select(others).reshape(n, n - 1);           // (n, n-1)
        using Tensor values = y.expand(n, n).masked_select(others).reshape(n, n - 1);         // (n, n-1)
        var optimizer = optim.SGD(model.parameters(), learningRate);
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            using var step = NewDisposeScope();
            optimizer.zero_grad();
            Tensor loss = (model.forward(x, keys, values).prediction - y).square().sum();
            loss.backward();
            optimizer.step();
            double value = loss.item<double>();
            if (!double.IsFinite(value)) throw new InvalidOperationException($"loss became {value} at epoch {epoch}: lower the learning rate");
            onEpoch?.Invoke(epoch, value);
        }
        return model;
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
