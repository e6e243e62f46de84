using System.Numerics;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace TransformerSharp.Torch;

/// <summary>
/// Inverted dropout, as nn.Dropout: in training each element is kept with probability 1 − p and scaled by 1/(1 − p);
/// in evaluation the input passes through. The mask is not libtorch's: its CPU generator draws one element at a time
/// on one core (bernoulli_ a double each, rand_like a float each), which made the masks a fifth of a T5 step. Here a
/// counter-based generator (SplitMix64's mixer, one 32-bit draw per element, vectorised, on every torch thread) fills
/// it, seeded from torch's generator so that manual_seed still fixes it (README, speed).
/// </summary>
public sealed class FastDropout : nn.Module<Tensor, Tensor>
{
    readonly Scalar threshold, scale;

    public FastDropout(double p) : base(nameof(FastDropout))
    {
        if (double.IsNaN(p) || p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout must be in [0, 1]");
        P = p;
        // Held for the module's lifetime: an implicit Scalar freed by a collection mid-call crashes far from its cause.
        threshold = p.ToScalar();
        scale = (p < 1 ? 1.0 / (1.0 - p) : 0.0).ToScalar();
    }

    public double P { get; }

    public override Tensor forward(Tensor x)
    {
        if (!training || P == 0) return x.alias();
        using var scope = NewDisposeScope();
        Tensor mask = P < 1 && x.device_type == DeviceType.CPU && x.numel() <= DropoutMask.MaxElements
            ? DropoutMask.Draw(x.shape, P).to(x.dtype)
            : rand_like(x).ge_(threshold).mul_(scale);                        // 1/(1 − p) where kept, 0 where dropped
        return x.mul(mask).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Dropout masks on the CPU: float32, 1/(1 − p) where kept and 0 where dropped, element i dropped when the 32-bit
/// draw for i is below p·2³² (so p is honoured to 2⁻³²). Draw i of a chunk is SplitMix64's mixer applied to the chunk's
/// seed plus i times the golden-ratio increment, halves of each 64-bit value giving two elements; chunks are seeded
/// from the call's seed, so the mask depends on the seed alone, not on the number of threads.
/// </summary>
public static class DropoutMask
{
    const int ChunkElements = 1 << 16;
    /// <summary>The most elements a mask can have: its bytes are one Span.</summary>
    public const long MaxElements = int.MaxValue / sizeof(float);
    const ulong Golden = 0x9E3779B97F4A7C15UL;

    public static Tensor Draw(long[] shape, double p)
    {
        if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "a mask needs 0 < p < 1");
        ulong seed;
        using (var draw = randint(0, long.MaxValue, new long[] { 1 }, ScalarType.Int64)) seed = (ulong)draw.item<long>();
        var mask = empty(shape, ScalarType.Float32);
        Fill(mask, seed, p);
        return mask;
    }

    /// <summary>Fills a contiguous float32 CPU tensor: 1/(1 − p) where kept, 0 where dropped.</summary>
    public static void Fill(Tensor mask, ulong seed, double p)
    {
        if (mask.dtype != ScalarType.Float32 || mask.device_type != DeviceType.CPU || !mask.is_contiguous())
            throw new ArgumentException("a dropout mask is a contiguous float32 CPU tensor", nameof(mask));
        uint cut = (uint)Math.Min(Math.Round(p * 4294967296.0), uint.MaxValue);
        uint keep = BitConverter.SingleToUInt32Bits((float)(1.0 / (1.0 - p)));
        long length = mask.numel();
        int chunks = (int)((length + ChunkElements - 1) / ChunkElements);
        void FillNumbered(int k)
        {
            int offset = k * ChunkElements, count = (int)Math.Min(ChunkElements, length - offset);
            FillChunk(MemoryMarshal.Cast<byte, uint>(mask.bytes).Slice(offset, count), Mix(seed + (ulong)k * 0xD1B54A32D192ED03UL), cut, keep);
        }
        if (chunks == 1) FillNumbered(0);
        else Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, get_num_threads()) }, FillNumbered);
    }

    /// <summary>
    /// One chunk: element i dropped when its 32-bit draw is below <paramref name="cut"/>, else the bits <paramref name="keep"/>.
    /// Vectorised or not, the same values.
    /// </summary>
    public static void FillChunk(Span<uint> mask, ulong seed, uint cut, uint keep, bool vectorised = true)
    {
        int pairs = Vector<ulong>.Count, width = Vector<uint>.Count, i = 0;
        if (vectorised && Vector.IsHardwareAccelerated && mask.Length >= width)
        {
            Span<ulong> first = stackalloc ulong[pairs];
            for (int lane = 0; lane < pairs; lane++) first[lane] = seed + (ulong)lane * Golden;
            var counter = new Vector<ulong>(first);
            var step = new Vector<ulong>((ulong)pairs * Golden);
            var (cuts, keeps) = (new Vector<uint>(cut), new Vector<uint>(keep));
            for (; i + width <= mask.Length; i += width, counter += step)
            {
                var bits = Vector.AsVectorUInt32(Mix(counter));
                (Vector.GreaterThanOrEqual(bits, cuts) & keeps).CopyTo(mask[i..]);
            }
        }
        // The tail (and machines without vectors) draw the same values one pair at a time.
        for (; i < mask.Length; i++)
        {
            ulong bits = Mix(seed + (ulong)(i / 2) * Golden);
            mask[i] = (uint)(i % 2 == 0 ? bits : bits >> 32) >= cut ? keep : 0u;
        }
    }

    static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    static Vector<ulong> Mix(Vector<ulong> z)
    {
        z = (z ^ (z >> 30)) * new Vector<ulong>(0xBF58476D1CE4E5B9UL);
        z = (z ^ (z >> 27)) * new Vector<ulong>(0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
