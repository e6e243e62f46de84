#:project ../src/TransformerSharp/TransformerSharp.csproj
#:property PublishAot=false
// D2L 11.3 — Attention scoring functions.
// A scoring function rates each (query, key) pair; softmax turns the scores into weights. Two common scores: the scaled
// dot product (q·k / √d, cheap, needs queries and keys of one size) and additive attention (a small MLP of q and k,
// any sizes). Padding must get no weight, so a masked softmax sets the scores past each sequence's length to −∞.
using TransformerSharp.Attention;
using TransformerSharp.Labs;
using TransformerSharp.Plots;
using TransformerSharp.Torch;
using static TorchSharp.torch;

var lab = Lab.Start(args, "11.3-attention-scoring");
TorchRuntime.Seed(lab.Seed);
using var noGrad = no_grad();

Lab.Section("Masked softmax");
// Two sequences of four positions; the first has 2 real ones, the second 3: the rest get weight zero.
var scores = rand(2, 2, 4);
var masked = MaskedSoftmax.Apply(scores, tensor(new long[] { 2, 3 }));
Console.WriteLine(masked.ToString(TorchSharp.TensorStringStyle.Numpy));
// Valid lengths can also differ per query: one length for each of the 2 × 2 rows.
Console.WriteLine(MaskedSoftmax.Apply(scores, tensor(new long[,] { { 1, 3 }, { 2, 4 } })).ToString(TorchSharp.TensorStringStyle.Numpy));

Lab.Section("Additive attention");
// Queries of size 20 and keys of size 2: no dot product possible, the MLP maps both to 8 hidden units.
var queries = normal(0, 1, new long[] { 2, 1, 20 });
var keys = ones(2, 10, 2);
var values = arange(40, dtype: float32).reshape(1, 10, 4).repeat(2, 1, 1);
var validLens = tensor(new long[] { 2, 6 });
var additive = new AdditiveAttention(querySize: 20, keySize: 2, numHiddens: 8);
additive.eval();
var output = additive.forward(queries, keys, values, validLens);
Console.WriteLine($"output shape {string.Join(" × ", output.shape)} (batch, queries, value size)");
// All keys are equal, so all valid keys get the same weight: 1/2 in the first sequence, 1/6 in the second.
var additiveWeights = TensorConvert.ToMatrix(additive.AttentionWeights!.reshape(2, 10));
AttentionHeatmap.Save(lab.Wrote(lab.File("additive.png")), additiveWeights, "Additive attention (rows: the two sequences)", "keys", "sequence");

Lab.Section("Scaled dot-product attention");
var dotQueries = normal(0, 1, new long[] { 2, 1, 2 });
var dot = new DotProductAttention(dropout: 0.5);
dot.eval();   // dropout on the weights is for training only
output = dot.forward(dotQueries, keys, values, validLens);
Console.WriteLine($"output shape {string.Join(" × ", output.shape)}");
var dotWeights = TensorConvert.ToMatrix(dot.AttentionWeights!.reshape(2, 10));
AttentionHeatmap.Save(lab.Wrote(lab.File("dot-product.png")), dotWeights, "Scaled dot-product attention", "keys", "sequence");
InteractiveCharts.SaveHeatmap(lab.Wrote(lab.File("dot-product.html")), dotWeights, "Scaled dot-product attention", "keys", "sequence");

Lab.Section("Why divide by √d?");
// Dot products of random d-dimensional vectors have variance d: unscaled, softmax saturates as d grows.
foreach (int d in new[] { 4, 64, 1024 })
{
    var q = randn(1000, d);
    var k = randn(1000, d);
    var raw = (q * k).sum(1);
    Console.WriteLine($"d = {d,4}: std of q·k {raw.std().item<float>(),7:F2}, of q·k/√d {(raw / Math.Sqrt(d)).std().item<float>():F2}");
}

// Exercises
// 1. Give the keys different values (randn instead of ones) and draw the additive weights again. Which key wins, and why?
// 2. Time the two scoring functions for 1,000 queries and 1,000 keys of size 64. Which grows faster with the size?
// 3. Replace the masked softmax's −∞ by −10. For which valid lengths and score ranges does padding start to leak in?
Lab.Section("Exercises: at the end of this file");
