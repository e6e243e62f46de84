#:project ../src/TransformerSharp/TransformerSharp.csproj
#:property PublishAot=false
// D2L 11.2 — Attention pooling by similarity.
// Nadaraya–Watson regression predicts y at a query x as an average of the training y's, weighted by how similar each
// training x (a key) is to the query: a kernel of (query − key) / bandwidth, normalised over the keys. That is
// attention with a fixed similarity. LOWESS goes one step further and fits a small weighted line around each point.
using TransformerSharp.Attention;
using TransformerSharp.Labs;
using TransformerSharp.Plots;

var lab = Lab.Start(args, "11.2-attention-pooling");

// The book's toy problem: f(x) = 2 sin x + x, 40 noisy samples on [0, 5], queries every 0.1.
var data = ToyRegressionData.Generate(lab.Seed);
Console.WriteLine($"{data.XTrain.Length} training points, {data.XQuery.Length} queries; f(x) = 2 sin x + x");

Lab.Section("Each kernel as an attention pooling");
var fits = new List<Series> { new("data", data.XTrain, data.YTrain, Markers: true), new("truth f(x)", data.XQuery, data.YQueryTrue) };
KernelRegressionResult? gaussian = null;
foreach (var kernel in new[] { KernelKind.Gaussian, KernelKind.Boxcar, KernelKind.Constant, KernelKind.Epanechikov })
{
    var result = NadarayaWatson.Predict(data.XTrain, data.YTrain, data.XQuery, kernel, bandwidth: 1.0);
    gaussian ??= result;
    Console.WriteLine($"{kernel,-12} MSE against f: {result.MeanSquaredError(data.YQueryTrue):F4}");
    fits.Add(new Series(kernel.ToString().ToLowerInvariant(), data.XQuery, result.Prediction));
}
// The constant kernel weighs every key alike: the prediction is the mean of all y, a flat line.
AttentionHeatmap.Save(lab.Wrote(lab.File("gaussian-weights.png")), gaussian!.Weights, "Gaussian kernel weights", "training x (sorted)", "query x");

Lab.Section("A learned bandwidth");
// One parameter w scales the distance: weights ∝ exp(−(w (q − k))² / 2), trained by SGD on a leave-one-out loss
// (a point may not attend to itself, or the model would simply copy its own y).
var model = LearnedKernelRegression.Train(data, lab.Seed, epochs: lab.Quick ? 5 : 20, learningRate: 0.5,
    onEpoch: (epoch, loss) => Console.WriteLine($"epoch {epoch}, loss {loss:F4}"));
var learned = model.Predict(data.XTrain, data.YTrain, data.XQuery);
Console.WriteLine($"learned w {model.Weight:F3} (bandwidth {model.Bandwidth:F3}): MSE against f {learned.MeanSquaredError(data.YQueryTrue):F4}");
fits.Add(new Series("learned gaussian", data.XQuery, learned.Prediction));

Lab.Section("LOWESS: a local line instead of a local average");
// statsmodels' lowess (checked against it in the tests): the default frac 2/3 and three robustifying iterations.
var lowess = Lowess.Fit(data.XTrain, data.YTrain);
double lowessMse = lowess.X.Select((x, i) => Math.Pow(lowess.Fitted[i] - ToyRegressionData.F(x), 2)).Average();
Console.WriteLine($"LOWESS trend at the training points, MSE against f: {lowessMse:F4}");
fits.Add(new Series("LOWESS trend", lowess.X, lowess.Fitted));

LinePlots.Save(lab.Wrote(lab.File("fits.png")), fits, "Nadaraya–Watson kernels and LOWESS", "x", "y");
// Interactive: hover a point for its value, click a legend entry to hide a fit, drag to zoom.
InteractiveCharts.SaveLines(lab.Wrote(lab.File("fits.html")), fits, "Nadaraya–Watson kernels and LOWESS (interactive)", "x", "y");

// Exercises
// 1. Halve and double the bandwidth of the Gaussian kernel. Which error grows, and where on the x axis?
// 2. Train the learned bandwidth without leaving each point out. What value does w run to, and why?
// 3. LOWESS with frac 0.2 against frac 0.9: relate frac to the bandwidth of the kernels above.
Lab.Section("Exercises: at the end of this file");
