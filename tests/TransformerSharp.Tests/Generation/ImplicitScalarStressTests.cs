using TorchSharp;
using TransformerSharp.Generation;
using TransformerSharp.Models.T5;
using TransformerSharp.Models.Translator;
using Xunit;
using static TorchSharp.torch;
using T5Model = TransformerSharp.Models.T5.T5;

namespace TransformerSharp.Tests.Generation;

/// <summary>
/// TorchSharp passes the native handle of a Scalar it creates implicitly (a + b's alpha of 1, x + 1e-6, masked_fill's
/// value) without keeping the managed Scalar alive, so a collection started on another thread while libtorch runs can
/// finalize it mid-call: "Expected false to be true … toFloat" or "Unknown scalar type". Decoding makes the most such
/// calls; here T5's and the translator's run while another thread collects without pause. See Torch/Scalars.cs.
/// </summary>
public class ImplicitScalarStressTests
{
    [Fact]
    public void DecodingSurvivesCollectionsOnAnotherThread()
    {
        TestSupport.Seed(0);
        var config = new T5Config(VocabSize: 60, DModel: 16, DKv: 4, DFf: 32, NumLayers: 1, NumHeads: 4, RelativeAttentionNumBuckets: 8,
                                  RelativeAttentionMaxDistance: 16, DropoutRate: 0.0);
        using var model = new T5Model(config);
        using var translator = new Transformer(new TransformerConfig(60, 60, Width: 16, Layers: 1, Heads: 2, FfnWidth: 32, Dropout: 0.0));
        using var source = randint(3, 60, new long[] { 4, 12 });
        using var lens = tensor(new long[] { 12, 10, 7, 3 });
        TestSupport.WhileCollecting(() =>
        {
            var deadline = DateTime.UtcNow.AddSeconds(8);
            int decoded = 0;
            while (DateTime.UtcNow < deadline)
            {
                // An eos id the model never picks keeps every row decoding for all 40 steps.
                var greedy = GreedySearch.Decode(model, source, lens, bos: 0, eos: 59, maxSteps: 40, rules: new TokenRules(NoRepeatNgram: 2));
                Assert.All(greedy, row => Assert.Equal(40, row.Length));
                BeamSearch.Decode(model, source[..1], lens[..1], 0, 59, 20, beam: 3, rules: new TokenRules(NoRepeatNgram: 2));
                Assert.All(GreedySearch.Decode(translator, source, lens, bos: 1, eos: 59, maxSteps: 20), row => Assert.True(row.Length <= 20));
                BeamSearch.Decode(translator, source[1..2], lens[1..2], 1, 59, 20, beam: 3);
                decoded++;
            }
            Assert.True(decoded > 0);
        });
    }
}
