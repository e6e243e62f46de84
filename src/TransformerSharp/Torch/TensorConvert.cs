using static TorchSharp.torch;

namespace TransformerSharp.Torch;

/// <summary>Copies small tensors out to .NET arrays, for plots, tables and files.</summary>
public static class TensorConvert
{
    /// <summary>A 2-D tensor of any floating type as double[rows, cols].</summary>
    public static double[,] ToMatrix(Tensor matrix)
    {
        if (matrix.dim() != 2) throw new ArgumentException($"expected a 2-D tensor, got shape [{string.Join(", ", matrix.shape)}]");
        long rows = matrix.shape[0], cols = matrix.shape[1];
        using Tensor asDouble = matrix.detach().to(ScalarType.Float64).contiguous();
        double[] flat = asDouble.data<double>().ToArray();
        var result = new double[rows, cols];
        Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(double));
        return result;
    }
}
