using TorchSharp;
using TorchSharp.Modules;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Attention;

/// <summary>D2L 11.6.3: fixed sinusoids, P[i, 2j] = sin(i / 10000^(2j/d)), P[i, 2j+1] = cos(i / 10000^(2j/d)).</summary>
public sealed class SinusoidalPositionalEncoding : nn.Module
{
    readonly FastDropout dropout;
    readonly Tensor P;

    public SinusoidalPositionalEncoding(long numHiddens, double dropout = 0.0, long maxLength = 1000, double @base = 10000.0)
        : base(nameof(SinusoidalPositionalEncoding))
    {
        MaxLength = maxLength;
        this.dropout = new FastDropout(dropout);
        P = Table(maxLength, numHiddens, @base);
        register_buffer("P", P, persistent: false);
        RegisterComponents();
    }

    public long MaxLength { get; }

    /// <summary>The (maxLength, numHiddens) table; computed in double precision, stored as float32.</summary>
    public static Tensor Table(long maxLength, long numHiddens, double @base = 10000.0)
    {
        using var scope = NewDisposeScope();
        Tensor positions = arange(maxLength, dtype: ScalarType.Float64).reshape(-1, 1);                 // (len, 1)
        Tensor frequencies = pow(@base, arange(0, numHiddens, 2, dtype: ScalarType.Float64) / numHiddens); // (⌈d/2⌉)
        Tensor angles = positions / frequencies;                                                          // (len, ⌈d/2⌉)
        Tensor table = zeros(maxLength, numHiddens, dtype: ScalarType.Float64);
        table[TensorIndex.Colon, TensorIndex.Slice(0, null, 2)] = angles.sin();
        // With an odd width the last sine column has no cosine partner.
        table[TensorIndex.Colon, TensorIndex.Slice(1, null, 2)] = angles[TensorIndex.Colon, TensorIndex.Slice(0, numHiddens / 2)].cos();
        return table.to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <param name="startPosition">position of the first row of x: nonzero when decoding one step at a time.</param>
    public Tensor forward(Tensor x, long startPosition = 0)
    {
        long length = x.shape[1];
        PositionGuard.Check(startPosition, length, MaxLength);
        using Tensor slice = P[TensorIndex.Slice(startPosition, startPosition + length)];                // (len, hidden)
        using Tensor values = slice.to(x.dtype);
        return dropout.forward(x.Plus(values));
    }
}

/// <summary>Learned absolute position embeddings (BERT, GPT): one trainable vector per position.</summary>
public sealed class LearnedPositionalEncoding : nn.Module
{
    readonly Embedding embedding;
    readonly FastDropout dropout;

    public LearnedPositionalEncoding(long numHiddens, double dropout = 0.0, long maxLength = 1000)
        : base(nameof(LearnedPositionalEncoding))
    {
        MaxLength = maxLength;
        embedding = nn.Embedding(maxLength, numHiddens);
        this.dropout = new FastDropout(dropout);
        RegisterComponents();
    }

    public long MaxLength { get; }
    public Embedding Embedding => embedding;

    /// <param name="startPosition">position of the first row of x: nonzero when decoding one step at a time.</param>
    public Tensor forward(Tensor x, long startPosition = 0)
    {
        long length = x.shape[1];
        PositionGuard.Check(startPosition, length, MaxLength);
        using Tensor positions = Scalars.Range(startPosition, startPosition + length, x.device);
        using Tensor table = embedding.forward(positions);                                                // (len, hidden)
        return dropout.forward(x.Plus(table));
    }
}

static class PositionGuard
{
    public static void Check(long start, long length, long maxLength)
    {
        if (start < 0 || start + length > maxLength)
            throw new ArgumentOutOfRangeException(nameof(length),
                $"positions {start}..{start + length - 1} exceed the encoding's maximum length {maxLength}; " +
                "build it with a larger maxLength or crop the input");
    }
}
