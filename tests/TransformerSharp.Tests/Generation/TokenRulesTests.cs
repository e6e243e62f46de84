using TorchSharp;
using TransformerSharp.Generation;
using TransformerSharp.Models.T5;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Generation;

public class TokenRulesTests
{
    [Fact]
    public void PenaltiesScaleScoresAsHuggingFacesProcessors()
    {
        // repetition_penalty 2 on the written tokens 0, 1, 1: a positive score halves, a negative one doubles, once per id.
        float[] scores = { 2f, -1f, 0.5f, -3f, 4f };
        new TokenRules(RepetitionPenalty: 2).Apply(scores, new[] { 0, 1, 1 });
        Assert.Equal(new[] { 1f, -2f, 0.5f, -3f, 4f }, scores);

        // encoder_repetition_penalty 2 on the source tokens 2, 3: the inverse, so source tokens gain.
        scores = new[] { 2f, -1f, 0.5f, -3f, 4f };
        new TokenRules(EncoderRepetitionPenalty: 2).Apply(scores, Array.Empty<int>(), new HashSet<int> { 2, 3 });
        Assert.Equal(new[] { 2f, -1f, 1f, -1.5f, 4f }, scores);

        // Together, with no repeated 2-grams: after "4 0 4", 0 is banned whatever the penalties made of it.
        scores = new[] { 2f, -1f, 0.5f, -3f, 4f };
        new TokenRules(NoRepeatNgram: 2, RepetitionPenalty: 2, EncoderRepetitionPenalty: 2).Apply(scores, new[] { 4, 0, 4 }, new HashSet<int> { 0, 3 });
        Assert.Equal(new[] { float.NegativeInfinity, -1f, 0.5f, -1.5f, 2f }, scores);

        // Ids from the tokenizer's size on (an embedding padded beyond the tokenizer, as t5-small's) are never chosen.
        scores = new[] { 2f, -1f, 0.5f, -3f, 4f };
        new TokenRules(TokenizerSize: 3).Apply(scores, Array.Empty<int>());
        Assert.Equal(new[] { 2f, -1f, 0.5f, float.NegativeInfinity, float.NegativeInfinity }, scores);

        Assert.False(TokenRules.None.Active);
        Assert.True(new TokenRules(EncoderRepetitionPenalty: 1.2).UsesSource);
    }

    static T5 Tiny()
    {
        TestSupport.Seed(61);
        var model = new T5(new T5Config(VocabSize: 30, DModel: 16, DKv: 4, DFf: 32, NumLayers: 1, NumHeads: 4, RelativeAttentionNumBuckets: 8,
                                        RelativeAttentionMaxDistance: 16, DropoutRate: 0.0));
        model.eval();
        return model;
    }

    [Fact]
    public void GreedyAndBeamApplyTheRulesAsHuggingFaceDoesToLogitsAndLogProbabilities()
    {
        using var model = Tiny();
        using var scope = NewDisposeScope();
        Tensor source = tensor(new long[,] { { 5, 6, 7, 8, 9, 1 }, { 10, 11, 12, 1, 0, 0 } });
        Tensor lens = tensor(new long[] { 6, 4 });
        var rules = new TokenRules(RepetitionPenalty: 1.5, EncoderRepetitionPenalty: 3.0);
        const int start = 0, eos = 1, steps = 10;

        var plain = GreedySearch.Decode(model, source, lens, start, eos, steps);
        var greedy = GreedySearch.Decode(model, source, lens, start, eos, steps, rules: rules);
        Assert.NotEqual(plain, greedy);                                       // the rules change what this model writes
        for (int b = 0; b < 2; b++)
            CheckEveryChoice(model, source[b..(b + 1)], lens[b..(b + 1)], greedy[b], rules, logProbabilities: false);

        int[] beam = BeamSearch.Decode(model, source[..1], lens[..1], start, eos, steps, beam: 1, alpha: 0, rules);
        CheckEveryChoice(model, source[..1], lens[..1], beam, rules, logProbabilities: true);
    }

    /// <summary>
    /// Each token written, and the end, is the argmax of the teacher-forced scores after Hugging Face's processors,
    /// written here with tensor gather / where / scatter as in its logits_process.py (its lists hold the start token).
    /// </summary>
    static void CheckEveryChoice(T5 model, Tensor source, Tensor lens, int[] written, TokenRules rules, bool logProbabilities)
    {
        using var noGrad = no_grad();
        var decoderInput = new long[] { 0 }.Concat(written.Select(t => (long)t)).ToArray();
        Tensor logits = model.Logits(source, lens, tensor(decoderInput).reshape(1, -1))[0];          // (steps + 1, vocab)
        if (logProbabilities) logits = logits.log_softmax(-1);
        Tensor encoderIds = source[0, ..(int)lens[0].item<long>()];
        for (int t = 0; t <= written.Length && t < 10; t++)
        {
            Tensor scores = logits[t].clone();
            scores = Penalise(scores, encoderIds, 1.0 / rules.EncoderRepetitionPenalty);
            if (t > 0) scores = Penalise(scores, tensor(decoderInput[1..(t + 1)]), rules.RepetitionPenalty);
            int expected = t < written.Length ? written[t] : 1;
            Assert.Equal(expected, (int)scores.argmax().item<long>());
        }
    }

    static Tensor Penalise(Tensor scores, Tensor ids, double penalty)
    {
        Tensor picked = scores.gather(0, ids);
        picked = where(picked < 0, picked * penalty, picked / penalty);
        return scores.scatter(0, ids, picked);
    }
}
