#:project ../src/TransformerSharp/TransformerSharp.csproj
#:property PublishAot=false
// D2L 11.5 — Multi-head attention.
// One attention pooling can only average in one way. Multi-head attention projects queries, keys and values h times
// into smaller spaces (num_hiddens / h each), attends in each in parallel, concatenates the h outputs and projects
// them back. The heads run as one batched attention: the reshapes below fold the heads into the batch dimension.
using TransformerSharp.Attention;
using TransformerSharp.Labs;
using TransformerSharp.Plots;
using TransformerSharp.Torch;
using static TorchSharp.torch;

var lab = Lab.Start(args, "11.5-multihead-attention");
TorchRuntime.Seed(lab.Seed);
using var noGrad = no_grad();
string Shape(Tensor t) => "(" + string.Join(", ", t.shape) + ")";

int numHiddens = 100, numHeads = 5;
var attention = new MultiHeadAttention(numHiddens, numHeads, dropout: 0.5);
attention.eval();

Lab.Section("Shapes through the reshapes");
// The book's example: 2 sequences of 4 queries attend to 6 key-value pairs; the sequences have 3 and 2 valid keys.
var X = ones(2, 4, numHiddens);
var Y = ones(2, 6, numHiddens);
var validLens = tensor(new long[] { 3, 2 });
var q = MultiHeadAttention.SplitHeads(attention.QueryProjection.forward(X), numHeads);
Console.WriteLine($"queries {Shape(X)} → projected and split into heads {Shape(q)}   (batch·heads, queries, num_hiddens/heads)");
var k = MultiHeadAttention.SplitHeads(attention.KeyProjection.forward(Y), numHeads);
Console.WriteLine($"keys    {Shape(Y)} → {Shape(k)}");
Console.WriteLine($"merging the heads back: {Shape(MultiHeadAttention.MergeHeads(q, numHeads))}");
var output = attention.forward(X, Y, Y, validLens);
Console.WriteLine($"output {Shape(output)}: the queries' shape, as every attention layer keeps it");
Console.WriteLine($"attention weights {Shape(attention.AttentionWeights!)}   (batch·heads, queries, keys)");

Lab.Section("What each head looks at");
// Random keys this time, so the heads differ: each has its own projections of the same inputs.
var keys = randn(1, 6, numHiddens);
attention.forward(randn(1, 4, numHiddens), keys, keys);
var perHead = Enumerable.Range(0, numHeads).Select(h => TensorConvert.ToMatrix(attention.AttentionWeights![h])).ToList();
AttentionHeatmap.SaveGrid(lab.Wrote(lab.File("heads.png")), perHead, perHead.Select((_, h) => $"head {h + 1}").ToList());
InteractiveCharts.SaveHeatmap(lab.Wrote(lab.File("head-1.html")), perHead[0], "Head 1: weights of 4 queries on 6 keys");
Console.WriteLine($"parameters: {attention.parameters().Sum(p => p.numel()):N0} (four {numHiddens} × {numHiddens} projections, no biases)");

// Exercises
// 1. Count the multiply-adds of one forward pass with 1 head and with 5 heads of the same num_hiddens. Do heads cost extra?
// 2. Set two heads' query projections equal. Are their weight maps then equal too? What else would have to be equal?
// 3. Prune one head (zero its slice of the output projection's input): how much does the output change?
Lab.Section("Exercises: at the end of this file");
