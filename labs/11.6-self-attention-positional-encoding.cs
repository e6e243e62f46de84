#:project ../src/TransformerSharp/TransformerSharp.csproj
#:property PublishAot=false
// D2L 11.6 — Self-attention and positional encoding.
// In self-attention a sequence attends to itself: queries, keys and values are all its own tokens, every token sees
// every other in one step. Attention ignores order, so order is added to the inputs: sinusoids of geometrically
// spaced frequencies, one (sin, cos) pair per two columns.
using TransformerSharp.Attention;
using TransformerSharp.Labs;
using TransformerSharp.Plots;
using TransformerSharp.Torch;
using static TorchSharp.torch;

var lab = Lab.Start(args, "11.6-self-attention-positional-encoding");
TorchRuntime.Seed(lab.Seed);
using var noGrad = no_grad();

Lab.Section("Self-attention keeps the sequence's shape");
var attention = new MultiHeadAttention(100, 5, dropout: 0.5);
attention.eval();
var X = ones(2, 4, 100);
Console.WriteLine($"X (2, 4, 100) attends to itself → ({string.Join(", ", attention.forward(X, X, X, tensor(new long[] { 3, 2 })).shape)})");

Lab.Section("The sinusoidal table");
int length = 60, dims = 32;
var P = SinusoidalPositionalEncoding.Table(length, dims);
double[] positions = Enumerable.Range(0, length).Select(i => (double)i).ToArray();
// The book's figure: columns 6 to 9 — lower columns oscillate faster.
var columns = Enumerable.Range(6, 4).Select(c => new Series($"column {c}", positions, P[.., c].data<float>().Select(v => (double)v).ToArray())).ToList();
LinePlots.Save(lab.Wrote(lab.File("columns.png")), columns, "Positional encoding, columns 6–9", "row (position)", "value");
AttentionHeatmap.Save(lab.Wrote(lab.File("table.png")), TensorConvert.ToMatrix(P), "The encoding table", "column (encoding dimension)", "row (position)");
// Binary numbers have the same pattern: the lowest bit flips fastest.
for (int i = 0; i < 8; i++) Console.WriteLine($"{i} in binary is {Convert.ToString(i, 2).PadLeft(3, '0')}");

Lab.Section("Relative positions are a linear map");
// For any offset δ, a fixed 2 × 2 rotation per frequency takes row i to row i + δ, whatever i is: the model can
// attend by relative position. Check it on every row: rotate and compare.
int delta = 5;
var frequencies = Enumerable.Range(0, dims / 2).Select(j => 1.0 / Math.Pow(10000, 2.0 * j / dims)).ToArray();
var table = TensorConvert.ToMatrix(P);
double worst = 0;
for (int i = 0; i + delta < length; i++)
    for (int j = 0; j < dims / 2; j++)
    {
        double angle = delta * frequencies[j], sin = table[i, 2 * j], cos = table[i, 2 * j + 1];
        double rotatedSin = Math.Cos(angle) * sin + Math.Sin(angle) * cos, rotatedCos = -Math.Sin(angle) * sin + Math.Cos(angle) * cos;
        worst = Math.Max(worst, Math.Max(Math.Abs(rotatedSin - table[i + delta, 2 * j]), Math.Abs(rotatedCos - table[i + delta, 2 * j + 1])));
    }
Console.WriteLine($"offset {delta}: rotating row i gives row i + {delta} for all {length - delta} rows, largest difference {worst:0.0e+0} (float32 rounding)");

// Exercises
// 1. Compare the cost of self-attention, a convolution and an RNN layer on a sequence of n tokens of width d.
// 2. Why does the encoding use both sin and cos? Try the relative-position check with the sines alone.
// 3. Add the table to random embeddings scaled by 1, then by 0.01: how much of each row is position, how much content?
Lab.Section("Exercises: at the end of this file");
