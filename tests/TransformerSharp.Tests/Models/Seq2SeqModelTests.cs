using TorchSharp;
using TransformerSharp.Generation;
using TransformerSharp.Models.Bert;
using TransformerSharp.Models.Gpt;
using TransformerSharp.Models.Translator;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Models;

public class Seq2SeqModelTests
{
    public static IEnumerable<object[]> Models()
    {
        yield return new object[] { "transformer" };
        yield return new object[] { "bahdanau" };
    }

    static ISeq2SeqModel Create(string kind)
    {
        TestSupport.Seed(60);
        ISeq2SeqModel model = kind == "transformer"
            ? new Transformer(new TransformerConfig(17, 19, Width: 24, Layers: 2, Heads: 4, FfnWidth: 48, Dropout: 0.2))
            : new Bahdanau(new BahdanauConfig(17, 19, EmbeddingWidth: 16, Width: 24, Layers: 2, Dropout: 0.2));
        // Sharper weights than the default, so wrong decoding shows up clearly.
        using (no_grad()) foreach (var p in model.Module.parameters()) if (p.dim() >= 2) p.mul_(3);
        model.Module.eval();
        return model;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void StepByStepDecodingEqualsTeacherForcing(string kind)
    {
        var model = Create(kind);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor source = randint(4, 17, new long[] { 3, 6 });
        Tensor lens = tensor(new long[] { 6, 4, 2 });
        Tensor target = randint(4, 19, new long[] { 3, 5 });
        Tensor forced = model.Logits(source, lens, target);                            // (3, 5, 19)
        Assert.Equal(new long[] { 3, 5, 19 }, forced.shape);
        using IDecoderState state = model.Start(source, lens);
        for (int t = 0; t < 5; t++)
        {
            Tensor step = model.Step(target[TensorIndex.Colon, TensorIndex.Slice(t, t + 1)], state);
            Assert.True(TestSupport.MaxAbsDiff(step[TensorIndex.Colon, 0], forced[TensorIndex.Colon, t]) < 1e-4, $"step {t}");
        }
    }

    /// <summary>
    /// Only for the Transformer: D2L's Bahdanau decoder starts from the GRU encoder's final state, which has read the
    /// padding too (as in the book), so there padding does matter.
    /// </summary>
    [Fact]
    public void PaddedSourcePositionsDoNotMatterToTheTransformer()
    {
        var model = Create("transformer");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor source = randint(4, 17, new long[] { 1, 6 });
        Tensor changed = source.clone();
        changed[0, TensorIndex.Slice(3, null)] = tensor(0L);                           // beyond the valid length 3
        Tensor target = randint(4, 19, new long[] { 1, 4 });
        Tensor lens = tensor(new long[] { 3 });
        Assert.True(TestSupport.MaxAbsDiff(model.Logits(source, lens, target), model.Logits(changed, lens, target)) < 1e-5);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void BeamOfOneIsGreedyAndWiderBeamsScoreAtLeastAsWell(string kind)
    {
        var model = Create(kind);
        using var scope = NewDisposeScope();
        Tensor source = randint(4, 17, new long[] { 1, 6 });
        Tensor lens = tensor(new long[] { 6 });
        int[] greedy = GreedySearch.Decode(model, source, lens, bos: 1, eos: 2, maxSteps: 8)[0];
        Assert.Equal(greedy, BeamSearch.Decode(model, source, lens, 1, 2, 8, beam: 1, alpha: 0));
        int[] wide = BeamSearch.Decode(model, source, lens, 1, 2, 8, beam: 4, alpha: 0);
        Assert.True(LogProbability(model, source, lens, wide) >= LogProbability(model, source, lens, greedy) - 1e-4);
    }

    /// <summary>log P(tokens, then &lt;eos&gt; if it fits) under the model, by teacher forcing.</summary>
    static double LogProbability(ISeq2SeqModel model, Tensor source, Tensor lens, int[] tokens)
    {
        using var noGrad = no_grad();
        var sequence = tokens.Length < 8 ? tokens.Append(2).ToArray() : tokens;
        long[] input = new[] { 1L }.Concat(sequence.Take(sequence.Length - 1).Select(t => (long)t)).ToArray();
        Tensor logProbs = model.Logits(source, lens, tensor(input).reshape(1, -1)).log_softmax(-1);
        return sequence.Select((t, i) => logProbs[0, i, t].item<float>()).Sum();
    }

    [Fact]
    public void MaskedLossIgnoresPadding()
    {
        using var scope = NewDisposeScope();
        Tensor logits = randn(2, 3, 5);
        Tensor label = tensor(new long[,] { { 1, 2, 0 }, { 3, 0, 0 } });
        double expected = new[] { (0, 0, 1), (0, 1, 2), (1, 0, 3) }
            .Average(p => -logits[p.Item1, p.Item2].log_softmax(0)[p.Item3].item<float>());
        Assert.Equal(expected, Seq2Seq.MaskedLoss(logits, label, padId: 0).item<float>(), 5);
    }
}
