using TorchSharp;
using TransformerSharp.Attention;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Attention;

public class AdditiveAttentionTests
{
    [Fact]
    public void D2LShapes()
    {
        TestSupport.Seed(5);
        using var scope = NewDisposeScope();
        // D2L 11.3.4: queries (2, 1, 20), keys (2, 10, 2), values (2, 10, 4), 8 hidden units.
        var attention = new AdditiveAttention(querySize: 20, keySize: 2, numHiddens: 8, dropout: 0.1);
        attention.eval();
        Tensor output = attention.forward(normal(0, 1, new long[] { 2, 1, 20 }), ones(2, 10, 2), arange(40, dtype: ScalarType.Float32).reshape(1, 10, 4).repeat(2, 1, 1), tensor(new long[] { 2, 6 }));
        Assert.Equal(new long[] { 2, 1, 4 }, output.shape);
        // All keys equal, so the valid ones share the weight evenly.
        float[] w = attention.AttentionWeights!.data<float>().ToArray();
        Assert.Equal(new[] { 0.5f, 0.5f, 0, 0, 0, 0, 0, 0, 0, 0 }, w.Take(10).ToArray(), new FloatTolerance(1e-6f));
    }

    [Fact]
    public void MatchesAHandComputationFromItsWeights()
    {
        TestSupport.Seed(6);
        using var scope = NewDisposeScope();
        var attention = new AdditiveAttention(querySize: 3, keySize: 2, numHiddens: 4);
        Tensor q = randn(1, 2, 3), k = randn(1, 3, 2), v = randn(1, 3, 2);
        float[] output = attention.forward(q, k, v).data<float>().ToArray();

        var p = attention.named_parameters().ToDictionary(x => x.name, x => x.parameter.data<float>().ToArray());
        float[] wq = p["W_q.weight"], wk = p["W_k.weight"], wv = p["w_v.weight"];
        float[] qs = q.data<float>().ToArray(), ks = k.data<float>().ToArray(), vs = v.data<float>().ToArray();
        for (int i = 0; i < 2; i++)
        {
            double[] scores = new double[3];
            for (int j = 0; j < 3; j++)
                for (int h = 0; h < 4; h++)
                {
                    double feature = 0;
                    for (int c = 0; c < 3; c++) feature += wq[h * 3 + c] * qs[i * 3 + c];
                    for (int c = 0; c < 2; c++) feature += wk[h * 2 + c] * ks[j * 2 + c];
                    scores[j] += wv[h] * Math.Tanh(feature);
                }
            double total = scores.Sum(Math.Exp);
            for (int c = 0; c < 2; c++)
            {
                double expected = Enumerable.Range(0, 3).Sum(j => Math.Exp(scores[j]) / total * vs[j * 2 + c]);
                Assert.Equal(expected, output[i * 2 + c], 5);
            }
        }
    }
}
