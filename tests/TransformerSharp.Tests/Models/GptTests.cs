using TorchSharp;
using TransformerSharp.Models.Bert;
using TransformerSharp.Models.Gpt;
using TransformerSharp.Models.Translator;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Models;

public class GptTests
{
    static readonly GptConfig Tiny = new(Layers: 2, Heads: 2, Width: 16, MaxPositions: 12, VocabSize: 11);

    [Fact]
    public void ShapesTiedHeadAndInitialisation()
    {
        TestSupport.Seed(20);
        using var scope = NewDisposeScope();
        var model = new Gpt(new GptConfig(4, 4, 64, 32, 50));
        Tensor logits = model.forward(randint(0, 50, new long[] { 3, 7 }));
        Assert.Equal(new long[] { 3, 7, 50 }, logits.shape);
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.DoesNotContain(parameters.Keys, k => k.Contains("lm_head"));        // the head is the token embedding
        double residualStd = parameters["h.0.attention.c_proj.weight"].std().item<float>();
        double otherStd = parameters["h.0.attention.c_attn.weight"].std().item<float>();
        Assert.InRange(otherStd, 0.018, 0.022);
        Assert.InRange(residualStd, 0.02 / Math.Sqrt(8) * 0.9, 0.02 / Math.Sqrt(8) * 1.1);
    }

    [Fact]
    public void LaterTokensDoNotChangeEarlierLogits()
    {
        TestSupport.Seed(21);
        using var scope = NewDisposeScope();
        var model = new Gpt(Tiny);
        model.eval();
        Tensor ids = randint(0, 11, new long[] { 1, 8 });
        Tensor changed = ids.clone();
        changed[0, 7] = (ids[0, 7] + 1) % 11;
        Assert.Equal(0.0, TestSupport.MaxAbsDiff(model.forward(ids)[0, TensorIndex.Slice(0, 7)], model.forward(changed)[0, TensorIndex.Slice(0, 7)]));
    }

    [Fact]
    public void LongerThanContextIsAClearError()
    {
        using var scope = NewDisposeScope();
        var error = Assert.Throws<UserError>(() => new Gpt(Tiny).forward(zeros(1, 13, ScalarType.Int64)));
        Assert.Contains("context of 12", error.Message);
    }

    [Fact]
    public void LearnsARepeatingSequence()
    {
        TestSupport.Seed(22);
        var model = new Gpt(Tiny);
        var optimizer = optim.AdamW(model.parameters(), 3e-3);
        long[] pattern = Enumerable.Range(0, 13).Select(i => (long)(i * 3 % 11)).ToArray();
        using Tensor x = tensor(pattern[..12]).reshape(1, 12), y = tensor(pattern[1..]).reshape(1, 12);
        double first = 0, last = 0;
        for (int step = 0; step < 150; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            Tensor loss = model.Loss(x, y);
            loss.backward();
            optimizer.step();
            if (step == 0) first = loss.item<float>();
            last = loss.item<float>();
        }
        Assert.InRange(first, Math.Log(11) - 0.3, Math.Log(11) + 0.3);            // starts at chance
        Assert.True(last < 0.05, $"loss after 150 steps {last}");
    }
}
