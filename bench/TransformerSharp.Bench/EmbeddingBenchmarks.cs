using Microsoft.ML.OnnxRuntime;
using TransformerSharp.Models.Bert;
using TransformerSharp.Text;
using TransformerSharp.Torch;
using static TorchSharp.torch;
using DenseTensorLong = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<long>;

namespace TransformerSharp.Bench;

/// <summary>
/// all-MiniLM-L6-v2 sentence embeddings, ours (libtorch) against ONNX Runtime on the same ONNX file, the same token ids
/// and the same batches: forward pass plus mean pooling, the work `bert embed` does per batch.
/// </summary>
public static class EmbeddingBenchmarks
{
    public sealed record Result(double OursSentencesPerSecond, double OnnxSentencesPerSecond, double LargestDifference);

    public static Result Compare(IReadOnlyList<string> sentences, int batchSize, int threads)
    {
        TorchRuntime.ConfigureThreads(threads);
        var embedder = SentenceEmbedder.MiniLM();
        var batches = sentences.Chunk(batchSize).Select(chunk =>
        {
            var inputs = chunk.Select(s => embedder.Tokenizer.EncodeInput(s)).ToList();
            var (ids, segments, lens) = BertWordPiece.Batch(inputs, embedder.Tokenizer.PadId);
            return (ids, segments, lens);
        }).ToList();

        TransformerSharp.Torch.AmxGuard.RefuseAmx();   // MLAS would ask for AMX (int8 kernels only; MiniLM here is float32)
        var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        using var session = new InferenceSession(MiniLm.OnnxBytes(), options);
        var feeds = batches.Select(b => OnnxFeeds(b.ids, b.segments, b.lens)).ToList();

        double largest = 0;
        for (int i = 0; i < batches.Count; i++)                       // the two agree before either is timed
        {
            using var scope = NewDisposeScope();
            float[] ours = OursPooled(embedder.Model, batches[i]).data<float>().ToArray();
            float[] onnx = OnnxPooled(session, feeds[i], batches[i].lens);
            largest = Math.Max(largest, ours.Zip(onnx, (a, b) => Math.Abs(a - b)).Max());
        }
        double oursSeconds = Timing.MedianSeconds(() =>
        {
            foreach (var batch in batches)
            {
                using var scope = NewDisposeScope();
                OursPooled(embedder.Model, batch).data<float>().ToArray();
            }
        }, warmup: 1, repeats: 5);
        double onnxSeconds = Timing.MedianSeconds(() =>
        {
            for (int i = 0; i < batches.Count; i++) OnnxPooled(session, feeds[i], batches[i].lens);
        }, warmup: 1, repeats: 5);
        return new Result(sentences.Count / oursSeconds, sentences.Count / onnxSeconds, largest);
    }

    static Tensor OursPooled(Bert model, (Tensor ids, Tensor segments, Tensor lens) batch)
    {
        model.eval();
        using var noGrad = no_grad();
        return Bert.MeanPooledEmbedding(model.forward(batch.ids, batch.segments, batch.lens), batch.lens);
    }

    static List<NamedOnnxValue> OnnxFeeds(Tensor ids, Tensor segments, Tensor lens)
    {
        long batch = ids.shape[0], length = ids.shape[1];
        long[] lengths = lens.data<long>().ToArray();
        long[] mask = new long[batch * length];
        for (long b = 0; b < batch; b++) for (long t = 0; t < lengths[b]; t++) mask[b * length + t] = 1;
        int[] shape = { (int)batch, (int)length };
        return new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensorLong(ids.data<long>().ToArray(), shape)),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensorLong(mask, shape)),
            NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensorLong(segments.data<long>().ToArray(), shape)),
        };
    }

    /// <summary>ONNX Runtime's last hidden state, mean-pooled over the real tokens and L2-normalised in C#, as ours is in libtorch.</summary>
    static float[] OnnxPooled(InferenceSession session, List<NamedOnnxValue> feeds, Tensor lens)
    {
        using var results = session.Run(feeds);
        var hidden = results.First().AsTensor<float>();
        int batch = hidden.Dimensions[0], length = hidden.Dimensions[1], width = hidden.Dimensions[2];
        long[] lengths = lens.data<long>().ToArray();
        var pooled = new float[batch * width];
        var values = ((Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>)hidden).Buffer.Span;
        for (int b = 0; b < batch; b++)
        {
            double norm = 0;
            for (int d = 0; d < width; d++)
            {
                float sum = 0;
                for (int t = 0; t < lengths[b]; t++) sum += values[(b * length + t) * width + d];
                pooled[b * width + d] = sum / lengths[b];
                norm += pooled[b * width + d] * (double)pooled[b * width + d];
            }
            float scale = (float)(1 / Math.Max(Math.Sqrt(norm), 1e-12));
            for (int d = 0; d < width; d++) pooled[b * width + d] *= scale;
        }
        return pooled;
    }
}
