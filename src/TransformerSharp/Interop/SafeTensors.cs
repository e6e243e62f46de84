using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;
using static TransformerSharp.Interop.RequiredJson;

namespace TransformerSharp.Interop;

/// <summary>
/// The safetensors format (Hugging Face's, https://huggingface.co/docs/safetensors): an 8-byte little-endian header
/// length, a JSON header naming each tensor's dtype, shape and [begin, end) byte range in the data that follows, then
/// the raw little-endian data. Nothing in the file is executed. Reading converts F32, F16 and BF16 to float32.
/// Written by hand rather than with TorchSharp.PyBridge: its writer leaves out the "__metadata__" {"format": "pt"}
/// that older transformers releases require, and its errors name neither the file nor the tensor.
/// </summary>
public static class SafeTensors
{
    const long MaxHeader = 100_000_000;
    static readonly Dictionary<string, int> ElementSizes = new() { ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2 };

    /// <summary>Every tensor of the file as float32, in the file's order; the caller disposes them.</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        if (path.EndsWith(".bin", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".pt", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".pth", StringComparison.OrdinalIgnoreCase))
            throw new UserError($"{path}: a pickled PyTorch file can run code when loaded and is not read here; convert it to safetensors " +
                                "(in Python: safetensors.torch.save_file(torch.load(path), 'model.safetensors'))");
        using var stream = File.OpenRead(path);
        if (stream.Length < 8) throw new InvalidDataException($"{path}: not a safetensors file ({stream.Length} bytes, shorter than its 8-byte header length)");
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)Math.Min(MaxHeader, stream.Length - 8))
            throw new InvalidDataException($"{path}: not a safetensors file (header length {headerLength} runs past the end of the {stream.Length}-byte file)");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        JsonObject header;
        try { header = JsonNode.Parse(headerBytes)?.AsObject() ?? throw new JsonException("null"); }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: the safetensors header is not a JSON object ({e.Message})");
        }

        long dataStart = 8 + (long)headerLength, dataLength = stream.Length - dataStart;
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, node) in header)
            {
                if (name == "__metadata__") continue;
                var (dtype, shape, begin, end) = Entry(path, name, node);
                if (!ElementSizes.TryGetValue(dtype, out int size))
                    throw new InvalidDataException($"{path}: tensor '{name}' has dtype {dtype}; F32, F16 and BF16 are read");
                long count = shape.Aggregate(1L, (a, b) => a * b);
                if (begin < 0 || end < begin || end > dataLength)
                    throw new InvalidDataException($"{path}: tensor '{name}' has data_offsets [{begin}, {end}] outside the {dataLength} bytes of data");
                if (end - begin != count * size)
                    throw new InvalidDataException($"{path}: tensor '{name}' is {dtype} [{string.Join(", ", shape)}], {count * size} bytes, but its data_offsets span {end - begin}");
                var raw = new byte[end - begin];
                stream.Position = dataStart + begin;
                stream.ReadExactly(raw);
                tensors[name] = ToFloat32(raw, dtype, shape);
            }
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        return tensors;
    }

    static (string dtype, long[] shape, long begin, long end) Entry(string path, string name, JsonNode? node)
    {
        try
        {
            string dtype = FieldValue<string>(node, "dtype");
            long[] shape = Field(node, "shape").AsArray().Select(d => Value<long>(d, "a dimension")).ToArray();
            var offsets = Field(node, "data_offsets").AsArray();
            if (offsets.Count != 2 || shape.Any(d => d < 0)) throw new FormatException();
            return (dtype, shape, Value<long>(offsets[0], "an offset"), Value<long>(offsets[1], "an offset"));
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: tensor '{name}' needs dtype, shape and two data_offsets in the header");
        }
    }

    static Tensor ToFloat32(byte[] raw, string dtype, long[] shape)
    {
        var values = new float[raw.Length / ElementSizes[dtype]];
        for (int i = 0; i < values.Length; i++)
            values[i] = dtype switch
            {
                "F32" => BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(4 * i)),
                "F16" => (float)BinaryPrimitives.ReadHalfLittleEndian(raw.AsSpan(2 * i)),
                _ => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(2 * i)) << 16),   // BF16: the top half of a float32
            };
        return tensor(values, shape);
    }

    /// <summary>Writes float32 tensors in the given order, with {"format": "pt"} metadata; atomically (temp file, rename).</summary>
    public static void Write(string path, IEnumerable<(string name, Tensor value)> tensors)
    {
        var header = new JsonObject { ["__metadata__"] = new JsonObject { ["format"] = "pt" } };
        var blobs = new List<byte[]>();
        long offset = 0;
        foreach (var (name, value) in tensors)
        {
            using var contiguous = value.detach().to(ScalarType.Float32).contiguous();
            float[] data = contiguous.data<float>().ToArray();
            var bytes = new byte[4 * data.Length];
            for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), data[i]);
            if (header.ContainsKey(name)) throw new ArgumentException($"tensor '{name}' is written twice");
            header[name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(value.shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes.Length),
            };
            blobs.Add(bytes);
            offset += bytes.Length;
        }
        // The data should start 8-byte aligned, as the reference writer pads its header with spaces.
        string json = header.ToJsonString();
        json = json.PadRight((json.Length + 8 + 7) / 8 * 8 - 8);
        byte[] headerBytes = Encoding.UTF8.GetBytes(json);
        string full = Path.GetFullPath(path), temp = full + ".tmp";
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        using (var stream = File.Create(temp))
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)headerBytes.Length);
            stream.Write(length);
            stream.Write(headerBytes);
            foreach (var blob in blobs) stream.Write(blob);
        }
        File.Move(temp, full, overwrite: true);
    }
}
