using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using TransformerSharp.Interop;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Interop;

public class SafeTensorsTests
{
    static string Script => Path.Combine(TestSupport.RepositoryRoot, "tests", "TransformerSharp.Tests", "Interop", "safetensors_numpy.py");

    static string Numpy() => TestSupport.PythonWith("numpy", "python3-numpy", "SAFETENSORS_REFERENCE_PYTHON");

    [SkippableFact]
    public void WhatWeWriteAnIndependentReaderReadsWithEqualValues()
    {
        string python = Numpy();
        TestSupport.Seed(3);
        using var matrix = randn(3, 5);
        using var vector = randn(7);
        using var scalar = tensor(2.5f);
        string path = Path.Combine(TestSupport.TempFolder(), "model.safetensors");
        SafeTensors.Write(path, new[] { ("h.0.attn.c_attn.weight", matrix), ("ln_f.bias", vector), ("scale", scalar) });

        var (code, output, errors) = TestSupport.RunPython(python, Script, "dump", path);
        Assert.True(code == 0, errors);
        var dump = JsonNode.Parse(output)!;
        Assert.Equal("pt", dump["metadata"]!["format"]!.GetValue<string>());
        foreach (var (name, expected) in new[] { ("h.0.attn.c_attn.weight", matrix), ("ln_f.bias", vector), ("scale", scalar) })
        {
            var entry = dump["tensors"]![name]!;
            Assert.Equal("F32", entry["dtype"]!.GetValue<string>());
            Assert.Equal(expected.shape, entry["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray());
            var values = entry["values"]!.AsArray().Select(v => (float)v!.GetValue<double>()).ToArray();
            Assert.Equal(expected.reshape(-1).data<float>().ToArray(), values);
        }
        // The data starts 8-byte aligned, as the reference writer lays it out.
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(0UL, (8 + BinaryPrimitives.ReadUInt64LittleEndian(bytes)) % 8);
    }

    [SkippableFact]
    public void Float16AndBFloat16WrittenElsewhereAreReadAsFloat32()
    {
        string python = Numpy();
        string path = Path.Combine(TestSupport.TempFolder(), "sample.safetensors");
        var (code, _, errors) = TestSupport.RunPython(python, Script, "write-sample", path);
        Assert.True(code == 0, errors);
        var tensors = SafeTensors.Read(path);
        float[] expected = { -1.125f, -0.75f, -0.375f, 0f, 0.375f, 0.75f };
        foreach (string name in new[] { "full", "half", "brain" })
        {
            Assert.Equal(ScalarType.Float32, tensors[name].dtype);
            Assert.Equal(new long[] { 2, 3 }, tensors[name].shape);
            Assert.Equal(expected, tensors[name].reshape(-1).data<float>().ToArray());
        }
    }

    /// <summary>A safetensors file from a header (as JSON text) and a data section of the given length.</summary>
    static string Handmade(string header, int dataBytes, ulong? declaredLength = null)
    {
        string path = Path.Combine(TestSupport.TempFolder(), "bad.safetensors");
        byte[] json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Theory]
    [InlineData("""{"w": {"dtype": "F8_E4M3", "shape": [4], "data_offsets": [0, 4]}}""", 4, "tensor 'w' has dtype F8_E4M3; F32, F16 and BF16 are read")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}""", 4, "tensor 'w' has data_offsets [0, 8] outside the 4 bytes of data")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}""", 8, "tensor 'w' is F32 [3], 12 bytes, but its data_offsets span 8")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [2]}}""", 8, "tensor 'w' needs dtype, shape and two data_offsets")]
    [InlineData("""{"w": {"dtype": null, "shape": [2], "data_offsets": [0, 8]}}""", 8, "tensor 'w' needs dtype, shape and two data_offsets")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [null], "data_offsets": [0, 8]}}""", 8, "tensor 'w' needs dtype, shape and two data_offsets")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, null]}}""", 8, "tensor 'w' needs dtype, shape and two data_offsets")]
    [InlineData("""{"w": 3}""", 8, "tensor 'w' needs dtype, shape and two data_offsets")]
    [InlineData("""{"w": nope""", 0, "the safetensors header is not a JSON object")]
    public void DamagedFilesAreRefusedNamingTheFileAndTheTensor(string header, int dataBytes, string message)
    {
        string path = Handmade(header, dataBytes);
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));
        Assert.StartsWith(path + ": ", error.Message);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void AHeaderLengthPastTheEndOfTheFileIsRefused()
    {
        string path = Handmade("{}", 0, declaredLength: 1UL << 50);
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));
        Assert.Contains("runs past the end", error.Message);
    }

    [Fact]
    public void PickledWeightsAreRefusedWithTheWayToConvertThem()
    {
        string path = Path.Combine(TestSupport.TempFolder(), "pytorch_model.bin");
        File.WriteAllBytes(path, new byte[] { 0x80, 0x02 });                         // a pickle's first bytes
        var error = Assert.Throws<UserError>(() => SafeTensors.Read(path));
        Assert.Contains("convert it to safetensors", error.Message);
    }
}
