#:project ../src/TransformerSharp/TransformerSharp.csproj
#:property PublishAot=false
// D2L 11.1 — Queries, keys and values.
// A database answers a query with the value stored under the one key that matches it. Attention relaxes that: every
// key gets a weight for the query, the weights are non-negative and sum to one, and the answer is the weighted sum of
// all values. A one-hot weight vector gives back the database; equal weights give the plain average.
using TransformerSharp.Labs;
using TransformerSharp.Plots;
using TransformerSharp.Torch;
using static TorchSharp.torch;

var lab = Lab.Start(args, "11.1-queries-keys-values");
TorchRuntime.Seed(lab.Seed);

// Four keys (points in the plane) with a value each.
var keys = tensor(new float[,] { { 0, 0 }, { 1, 0 }, { 0, 1 }, { 1, 1 } });
var values = tensor(new float[] { 10, 20, 30, 40 });
string Show(Tensor t) => string.Join(", ", t.data<float>().ToArray().Select(v => v.ToString("F3")));

Lab.Section("An exact look-up is attention with one-hot weights");
var oneHot = tensor(new float[] { 0, 0, 1, 0 });
Console.WriteLine($"weights [{Show(oneHot)}] → value {(oneHot * values).sum().item<float>()}   (the value of key 3)");
var uniform = full(4, 0.25f);
Console.WriteLine($"weights [{Show(uniform)}] → value {(uniform * values).sum().item<float>()}   (the average of all values)");

Lab.Section("A soft look-up: weights from the similarity of the query to each key");
// Scaled dot products, turned into a distribution by softmax: the closer a key points along the query, the more it counts.
var query = tensor(new float[] { 0.9f, 0.2f });
var weights = (keys.matmul(query) / Math.Sqrt(2)).softmax(0);
Console.WriteLine($"query [{Show(query)}]: weights [{Show(weights)}], sum {weights.sum().item<float>():F3}");
Console.WriteLine($"attention output: {(weights * values).sum().item<float>():F3}");

Lab.Section("Weights as a heatmap, queries down, keys across");
// The book draws the identity: each query attends only to its own key.
var identity = TensorConvert.ToMatrix(eye(10));
AttentionHeatmap.Save(lab.Wrote(lab.File("identity.png")), identity, "One-hot weights: each query looks up one key");
InteractiveCharts.SaveHeatmap(lab.Wrote(lab.File("identity.html")), identity, "One-hot weights: each query looks up one key");
// Ten random queries against ten random keys: every key gets some weight, the most similar the most.
int d = 8;
var q = randn(10, d);
var k = randn(10, d);
var soft = TensorConvert.ToMatrix((q.matmul(k.T) / Math.Sqrt(d)).softmax(1));
AttentionHeatmap.Save(lab.Wrote(lab.File("soft.png")), soft, "Softmax of scaled dot products (random queries and keys)");
InteractiveCharts.SaveHeatmap(lab.Wrote(lab.File("soft.html")), soft, "Softmax of scaled dot products (random queries and keys)");
Console.WriteLine($"largest weight in each row: {string.Join(", ", Enumerable.Range(0, 10).Select(r => Enumerable.Range(0, 10).Max(c => soft[r, c]).ToString("F2")))}");

// Exercises
// 1. Give the query a larger norm (multiply it by 10) and rerun: what happens to the weights, and why does the
//    scaled dot product divide by √d?
// 2. Which weights make the output the median of the values rather than a weighted mean? Can softmax produce them?
// 3. Replace the dot product by minus the squared distance between query and key. When do the two rankings differ?
Lab.Section("Exercises: at the end of this file");
