using System.Text;

namespace TransformerSharp.Interop;

/// <summary>A named constant tensor of an ONNX graph (float32 or int64), as stored in the model file.</summary>
public sealed record OnnxInitializer(string Name, long[] Dims, float[]? Floats, long[]? Int64s);

/// <summary>One graph node: its operator, name, inputs and outputs.</summary>
public sealed record OnnxNode(string Name, string OpType, string[] Inputs, string[] Outputs);

/// <summary>
/// Reads the initializers and nodes of an ONNX model straight from its protobuf encoding (ModelProto → GraphProto),
/// enough to take a model's weights without running it. Only the fields needed here are decoded; others are skipped.
/// </summary>
public static class OnnxModelReader
{
    public static (List<OnnxInitializer> initializers, List<OnnxNode> nodes) Read(byte[] model)
    {
        var initializers = new List<OnnxInitializer>();
        var nodes = new List<OnnxNode>();
        foreach (var (field, _, start, length) in Fields(model, 0, model.Length))
        {
            if (field != 7) continue;                                                // ModelProto.graph
            foreach (var (g, _, gs, gl) in Fields(model, start, start + length))
            {
                if (g == 1) nodes.Add(ReadNode(model, gs, gs + gl));                 // GraphProto.node
                else if (g == 5) initializers.Add(ReadTensor(model, gs, gs + gl));   // GraphProto.initializer
            }
        }
        if (initializers.Count == 0) throw new InvalidDataException("no initializers found: not an ONNX model, or one with external data");
        return (initializers, nodes);
    }

    static OnnxNode ReadNode(byte[] b, int start, int end)
    {
        var inputs = new List<string>();
        var outputs = new List<string>();
        string name = "", op = "";
        foreach (var (field, _, s, l) in Fields(b, start, end))
        {
            if (field == 1) inputs.Add(Encoding.UTF8.GetString(b, s, l));
            else if (field == 2) outputs.Add(Encoding.UTF8.GetString(b, s, l));
            else if (field == 3) name = Encoding.UTF8.GetString(b, s, l);
            else if (field == 4) op = Encoding.UTF8.GetString(b, s, l);
        }
        return new OnnxNode(name, op, inputs.ToArray(), outputs.ToArray());
    }

    static OnnxInitializer ReadTensor(byte[] b, int start, int end)
    {
        var dims = new List<long>();
        int dataType = 0;
        string name = "";
        byte[]? raw = null;
        var floats = new List<float>();
        var longs = new List<long>();
        foreach (var (field, wire, s, l) in Fields(b, start, end))
        {
            switch (field)
            {
                case 1 when wire == 0: dims.Add((long)VarintAt(b, s)); break;
                case 1: for (int p = s; p < s + l;) dims.Add((long)ReadVarint(b, ref p)); break;
                case 2: dataType = (int)VarintAt(b, s); break;
                case 4 when wire == 5: floats.Add(BitConverter.ToSingle(b, s)); break;
                case 4: for (int p = s; p < s + l; p += 4) floats.Add(BitConverter.ToSingle(b, p)); break;
                case 7 when wire == 0: longs.Add((long)VarintAt(b, s)); break;
                case 7: for (int p = s; p < s + l;) longs.Add((long)ReadVarint(b, ref p)); break;
                case 8: name = Encoding.UTF8.GetString(b, s, l); break;
                case 9: raw = b[s..(s + l)]; break;
            }
        }
        return dataType switch
        {
            1 => new OnnxInitializer(name, dims.ToArray(), raw is null ? floats.ToArray() : Enumerable.Range(0, raw.Length / 4).Select(i => BitConverter.ToSingle(raw, i * 4)).ToArray(), null),
            7 => new OnnxInitializer(name, dims.ToArray(), null, raw is null ? longs.ToArray() : Enumerable.Range(0, raw.Length / 8).Select(i => BitConverter.ToInt64(raw, i * 8)).ToArray()),
            _ => new OnnxInitializer(name, dims.ToArray(), null, null),                // other types are not needed here
        };
    }

    /// <summary>The fields of a message between start and end: (number, wire type, value start, value length).</summary>
    static IEnumerable<(int field, int wire, int start, int length)> Fields(byte[] b, int start, int end)
    {
        int p = start;
        while (p < end)
        {
            ulong key = ReadVarint(b, ref p);
            int field = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0: { int s = p; ReadVarint(b, ref p); yield return (field, wire, s, p - s); break; }
                case 1: yield return (field, wire, p, 8); p += 8; break;
                case 2: { int length = checked((int)ReadVarint(b, ref p)); yield return (field, wire, p, length); p += length; break; }
                case 5: yield return (field, wire, p, 4); p += 4; break;
                default: throw new InvalidDataException($"unsupported protobuf wire type {wire} at byte {p}");
            }
        }
    }

    static ulong VarintAt(byte[] b, int p) => ReadVarint(b, ref p);

    static ulong ReadVarint(byte[] b, ref int p)
    {
        ulong result = 0;
        for (int shift = 0; ; shift += 7)
        {
            if (p >= b.Length) throw new InvalidDataException("truncated ONNX file");
            byte next = b[p++];
            result |= (ulong)(next & 0x7f) << shift;
            if ((next & 0x80) == 0) return result;
        }
    }
}
