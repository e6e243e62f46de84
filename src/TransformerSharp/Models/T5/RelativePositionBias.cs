using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TransformerSharp.Models.T5;

/// <summary>
/// T5's relative position bias: each (query, key) pair falls in a bucket by the distance key − query — exact for
/// small distances, logarithmic up to max_distance, one bucket beyond — and each bucket has a learned bias per head,
/// added to the attention scores. The encoder's buckets tell left from right; the decoder's self-attention only
/// looks back, so all its buckets count past positions. One table per stack, shared by all its layers.
/// </summary>
public sealed class RelativePositionBias : nn.Module
{
    readonly Embedding relative_attention_bias;
    readonly bool bidirectional;
    readonly int numBuckets, maxDistance;

    public RelativePositionBias(int numBuckets, int maxDistance, int heads, bool bidirectional) : base(nameof(RelativePositionBias))
    {
        relative_attention_bias = nn.Embedding(numBuckets, heads);
        this.bidirectional = bidirectional;
        this.numBuckets = numBuckets;
        this.maxDistance = maxDistance;
        RegisterComponents();
    }

    public Embedding Table => relative_attention_bias;

    /// <summary>
    /// The bucket of a relative position (key − query), as Hugging Face's _relative_position_bucket computes it:
    /// the logarithm in single precision, truncated.
    /// </summary>
    public static int Bucket(int relativePosition, bool bidirectional, int numBuckets = 32, int maxDistance = 128)
    {
        int bucket = 0, n = numBuckets;
        if (bidirectional)
        {
            n /= 2;
            if (relativePosition > 0) bucket += n;
            relativePosition = Math.Abs(relativePosition);
        }
        else relativePosition = -Math.Min(relativePosition, 0);
        int maxExact = n / 2;
        if (relativePosition < maxExact) return bucket + relativePosition;
        float scaled = MathF.Log(relativePosition / (float)maxExact) / MathF.Log(maxDistance / (float)maxExact) * (n - maxExact);
        return bucket + Math.Min(maxExact + (int)scaled, n - 1);
    }

    /// <summary>(1, heads, queries, keys): the bias for queries at positions offset … offset + queries − 1 over keys 0 … keys − 1.</summary>
    public Tensor forward(long queries, long keys, long offset = 0)
    {
        using var scope = NewDisposeScope();
        var buckets = new long[queries * keys];
        for (long q = 0; q < queries; q++)
            for (long k = 0; k < keys; k++)
                buckets[q * keys + k] = Bucket((int)(k - (q + offset)), bidirectional, numBuckets, maxDistance);
        Tensor ids = tensor(buckets, new[] { queries, keys }, device: relative_attention_bias.weight!.device);
        Tensor bias = relative_attention_bias.forward(ids);                  // (queries, keys, heads)
        return bias.permute(2, 0, 1).unsqueeze(0).MoveToOuterDisposeScope(); // (1, heads, queries, keys)
    }
}
