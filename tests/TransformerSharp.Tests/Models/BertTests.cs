using Microsoft.ML.OnnxRuntime;
using DenseTensorLong = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<long>;
using TorchSharp;
using TransformerSharp.Models.Bert;
using TransformerSharp.Models.Gpt;
using TransformerSharp.Models.Translator;
using TransformerSharp.Text;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Models;

public class BertTests(ITestOutputHelper log)
{
    static readonly string[] Sentences =
    {
        "The cat sits on the mat.",
        "A quick brown fox jumps over the lazy dog, then naps.",
        "Hi!",
        "Transformers replaced recurrence with attention in 2017.",
    };

    [Fact]
    public void MiniLmMatchesOnnxRuntimeOnAPaddedBatch()
    {
        byte[] onnx = MiniLm.OnnxBytes();
        var tokenizer = MiniLm.Tokenizer();
        var inputs = Sentences.Select(s => tokenizer.EncodeInput(s)).ToList();
        var (ids, segments, lens) = BertWordPiece.Batch(inputs, tokenizer.PadId);
        int batch = Sentences.Length, length = (int)ids.shape[1];

        var bert = new Bert(BertConfig.MiniLM);
        TransformerSharp.Interop.BertOnnxWeights.LoadInto(bert, onnx);
        bert.eval();
        float[] ours;
        using (no_grad()) ours = bert.forward(ids, segments, lens).contiguous().data<float>().ToArray();

        long[] mask = Enumerable.Range(0, batch * length).Select(i => (long)(i % length < inputs[i / length].Ids.Length ? 1 : 0)).ToArray();
        using var session = new InferenceSession(onnx);
        var feeds = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensorLong(ids.data<long>().ToArray(), new[] { batch, length })),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensorLong(mask, new[] { batch, length })),
            NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensorLong(segments.data<long>().ToArray(), new[] { batch, length })),
        };
        using var results = session.Run(feeds);
        float[] reference = results.First(r => r.Name == "last_hidden_state").AsEnumerable<float>().ToArray();

        Assert.Equal(reference.Length, ours.Length);
        double worst = 0;
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < inputs[b].Ids.Length; t++)                         // real tokens; padding rows are not compared
                for (int h = 0; h < 384; h++)
                {
                    int i = (b * length + t) * 384 + h;
                    worst = Math.Max(worst, Math.Abs(ours[i] - reference[i]));
                }
        log.WriteLine($"max |ours − ONNX Runtime| over real tokens: {worst:E2}");
        Assert.True(worst <= 1e-4, $"max difference {worst}");
    }

    [Fact]
    public void SentenceEmbeddingsAreUnitLengthAndSimilarSentencesAreCloser()
    {
        var bert = MiniLm.Model();
        var tokenizer = MiniLm.Tokenizer();
        string[] text = { "A man is playing a guitar.", "Someone plays an instrument.", "The stock market fell sharply today." };
        var (ids, segments, lens) = BertWordPiece.Batch(text.Select(s => tokenizer.EncodeInput(s)).ToList(), tokenizer.PadId);
        using var noGrad = no_grad();
        Tensor embeddings = Bert.MeanPooledEmbedding(bert.forward(ids, segments, lens), lens);
        Assert.True(TestSupport.MaxAbsDiff(embeddings.norm(1), ones(3)) < 1e-5);
        double related = (embeddings[0] * embeddings[1]).sum().item<float>(), unrelated = (embeddings[0] * embeddings[2]).sum().item<float>();
        Assert.True(related > unrelated + 0.2, $"related {related}, unrelated {unrelated}");
    }

    [Fact]
    public void CheckpointNamesMapOneToOne()
    {
        var bert = new Bert(BertConfig.MiniLM);
        var ours = bert.named_parameters().Select(p => p.name).ToHashSet();
        var hf = new List<string> { "embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight", "embeddings.token_type_embeddings.weight",
                                    "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias", "pooler.dense.weight", "pooler.dense.bias" };
        foreach (int l in Enumerable.Range(0, 6))
            foreach (string part in new[] { "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
                                            "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm" })
                foreach (string kind in new[] { "weight", "bias" }) hf.Add($"encoder.layer.{l}.{part}.{kind}");
        var mapped = hf.Select(Bert.CheckpointName).ToList();
        Assert.DoesNotContain(null, mapped);
        Assert.Equal(ours.OrderBy(x => x), mapped.Select(m => m!).OrderBy(x => x));
    }
}
