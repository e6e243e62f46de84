using TorchSharp;
using TransformerSharp.Models.T5;
using TransformerSharp.Models.Translator;
using TransformerSharp.Torch;
using TransformerSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Torch;

public class MatmulPrecisionTests
{
    /// <summary>float → bfloat16 → float by the bits, rounding to nearest even: independent of libtorch's cast.</summary>
    static double Bf16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000;
        return BitConverter.UInt32BitsToSingle(bits);
    }

    /// <summary>x Wᵀ + b in double from bf16-rounded x and W (the bias stays float32), then rounded to bf16 before the bias.</summary>
    static double[,] Reference(float[,] x, float[,] w, float[]? b)
    {
        int m = x.GetLength(0), k = x.GetLength(1), n = w.GetLength(0);
        var y = new double[m, n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int t = 0; t < k; t++) sum += Bf16(x[i, t]) * Bf16(w[j, t]);
                y[i, j] = Bf16((float)sum) + (b?[j] ?? 0);
            }
        return y;
    }

    static float[,] Matrix(Tensor t)
    {
        float[] values = t.data<float>().ToArray();
        var matrix = new float[t.shape[0], t.shape[1]];
        Buffer.BlockCopy(values, 0, matrix, 0, values.Length * sizeof(float));
        return matrix;
    }

    [Fact]
    public void OffByDefaultAndALinearIsThenExactlyTorchs()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(1);
        var layer = nn.Linear(64, 48);
        Tensor x = randn(5, 64);
        Assert.False(MatmulPrecision.Bf16);
        Assert.Equal(layer.forward(x).data<float>().ToArray(), MatmulPrecision.Linear(layer, x).data<float>().ToArray());
        Assert.Equal(bmm(x.unsqueeze(0), x.T.unsqueeze(0)).data<float>().ToArray(), MatmulPrecision.Bmm(x.unsqueeze(0), x.T.unsqueeze(0)).data<float>().ToArray());
    }

    [Fact]
    public void Bf16LinearRoundsTheInputsSumsInFloat32AndAddsTheBiasInFloat32()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(2);
        var layer = nn.Linear(96, 40);
        Tensor x = randn(7, 96);
        Tensor y;
        using (MatmulPrecision.Use(true)) y = MatmulPrecision.Linear(layer, x);
        Assert.False(MatmulPrecision.Bf16);                                            // the scope restored the default
        Assert.Equal(ScalarType.Float32, y.dtype);
        var expected = Reference(Matrix(x), Matrix(layer.weight!), layer.bias!.data<float>().ToArray());
        var got = Matrix(y);
        float[,] exact = Matrix(layer.forward(x));
        double worstToReference = 0, worstToFloat32 = 0;
        for (int i = 0; i < 7; i++)
            for (int j = 0; j < 40; j++)
            {
                // Float32 sums in another order can move a bf16 rounding by one unit (2⁻⁸ relative).
                worstToReference = Math.Max(worstToReference, Math.Abs(got[i, j] - expected[i, j]) / (Math.Abs(expected[i, j]) + 1e-3));
                worstToFloat32 = Math.Max(worstToFloat32, Math.Abs(got[i, j] - exact[i, j]));
            }
        Assert.True(worstToReference <= 1.0 / 256, $"bf16 product off the reference by {worstToReference:E2}");
        Assert.True(worstToFloat32 > 1e-4, "the products were not made in bf16");
    }

    [Fact]
    public void Bf16ProductsPassFloat32GradientsToInputsAndWeights()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(3);
        var layer = nn.Linear(32, 16, hasBias: false);
        Tensor x = randn(4, 10, 32).requires_grad_();
        Tensor a = randn(4, 10, 16).requires_grad_();
        using (MatmulPrecision.Use(true))
        {
            Tensor h = MatmulPrecision.Linear(layer, x);
            MatmulPrecision.Bmm(h, a.transpose(1, 2)).square().sum().backward();
        }
        foreach (var grad in new[] { x.grad!, a.grad!, layer.weight!.grad! }) Assert.Equal(ScalarType.Float32, grad.dtype);
        Tensor hf = layer.forward(x.detach());
        Tensor reference = autograd.grad(new[] { bmm(hf, a.detach().transpose(1, 2)).square().sum() }, new[] { layer.weight! })[0];
        double relative = layer.weight!.grad!.Plus(reference.neg()).norm().ToDouble() / reference.norm().ToDouble();
        Assert.InRange(relative, 1e-5, 2e-2);                                       // near float32's, yet not it
    }

    [Fact]
    public void TheTrainerTurnsBf16OnForARunThatAsksAndOffAfter()
    {
        using var scope = NewDisposeScope();
        var seen = new List<bool>();
        var task = new Recording(TinyT5Task(), seen);
        var settings = T5Presets.Tiny.Finetuning with { Iterations = 3, Evaluations = 1, Bf16 = true };
        Trainer.Run(task, settings.ToTrainerOptions(4, null));
        Assert.Equal(new[] { true, true, true }, seen);
        Assert.False(MatmulPrecision.Bf16);
    }

    /// <summary>Two hand-made (source, summary) pairs of ids for T5's tiny preset.</summary>
    internal static readonly List<(int[], int[])> TinyT5Pairs = new() { (new[] { 5, 6, 7, 8, 1 }, new[] { 9, 10, 1 }), (new[] { 11, 12, 1 }, new[] { 13, 1 }) };

    /// <summary>Summarization by T5's tiny preset (vocabulary 120) on <see cref="TinyT5Pairs"/>, seed 4.</summary>
    internal static SummarizationTask TinyT5Task()
    {
        TorchRuntime.Seed(4);
        var model = new T5(T5Presets.Tiny.Model with { VocabSize = 120 });
        return new SummarizationTask(model, TinyT5Pairs, TinyT5Pairs, batchSize: 2, evalBatches: 1, seed: 4, new());
    }

    sealed class Recording(ITrainingTask inner, List<bool> seen) : ITrainingTask
    {
        public string Kind => inner.Kind;
        public nn.Module Model => inner.Model;
        public long TokensPerBatch => inner.TokensPerBatch;
        public Tensor TrainingLoss(long step, int micro) { seen.Add(MatmulPrecision.Bf16); return inner.TrainingLoss(step, micro); }
        public double EvaluationLoss(string split, CancellationToken cancel) => inner.EvaluationLoss(split, cancel);
        public System.Text.Json.Nodes.JsonObject Describe() => inner.Describe();
    }

    [Fact]
    public void Bf16BatchesArePaddedToMultiplesOf32WithoutChangingTheLoss()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(6);
        var model = new T5(T5Presets.Tiny.Model with { VocabSize = 120 });
        model.eval();
        var pairs = new List<(int[] source, int[] target)> { (new[] { 5, 6, 7, 8, 9, 1 }, new[] { 9, 10, 1 }), (new[] { 11, 12, 1 }, new[] { 13, 14, 15, 16, 1 }) };
        var (source, lens, decoderInput, labels) = Seq2SeqBatches.Make(pairs, 0, 0);
        Assert.Equal(new long[] { 2, 6 }, source.shape);
        Assert.Equal(new long[] { 2, 5 }, labels.shape);
        Tensor padded, paddedLabels, paddedInput;
        using (MatmulPrecision.Use(true))
        {
            Assert.Equal(32, MatmulPrecision.PadToMultipleOf);
            (padded, _, paddedInput, paddedLabels) = Seq2SeqBatches.Make(pairs, 0, 0);
        }
        Assert.Equal(new long[] { 2, 32 }, padded.shape);
        Assert.Equal(new long[] { 2, 32 }, paddedLabels.shape);
        Assert.Equal(source.data<long>().ToArray(), padded.narrow(1, 0, 6).contiguous().data<long>().ToArray());
        Assert.All(padded.narrow(1, 6, 26).contiguous().data<long>().ToArray(), id => Assert.Equal(0L, id));
        // In float32 the padding is masked out: the same loss to float32's rounding.
        using var noGrad = no_grad();
        double plain = Seq2Seq.MaskedLoss(model.Logits(source, lens, decoderInput), labels, 0).ToDouble();
        double withPadding = Seq2Seq.MaskedLoss(model.Logits(padded, lens, paddedInput), paddedLabels, 0).ToDouble();
        Assert.Equal(plain, withPadding, 5);
    }

    [Fact]
    public void AT5TrainsToTheSameLossesInBf16WithinItsPrecision()
    {
        using var scope = NewDisposeScope();
        double[] Losses(bool bf16)
        {
            TorchRuntime.Seed(5);
            var model = new T5(T5Presets.Tiny.Model with { VocabSize = 120 });
            var rng = new Random(5);
            var pairs = Enumerable.Range(0, 8).Select(_ => (Enumerable.Range(0, 12).Select(_ => rng.Next(3, 120)).Append(1).ToArray(),
                                                           Enumerable.Range(0, 4).Select(_ => rng.Next(3, 120)).Append(1).ToArray())).ToList();
            var task = new SummarizationTask(model, pairs, pairs, batchSize: 4, evalBatches: 2, seed: 5, new());
            var settings = T5Presets.Tiny.Finetuning with { Iterations = 12, Evaluations = 1, Bf16 = bf16 };
            return Trainer.Run(task, settings.ToTrainerOptions(5, null)).TrainLosses.Select(l => l.Loss).ToArray();
        }
        double[] float32 = Losses(false), bfloat16 = Losses(true);
        Assert.True(float32[^1] < float32[0] - 0.1, "the tiny run does not learn");
        for (int i = 0; i < float32.Length; i++) Assert.InRange(bfloat16[i] - float32[i], -0.02 * float32[i], 0.02 * float32[i]);
        Assert.NotEqual(float32, bfloat16);
    }
}
