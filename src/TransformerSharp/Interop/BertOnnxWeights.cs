using TorchSharp;
using TransformerSharp.Models.Bert;
using static TorchSharp.torch;

namespace TransformerSharp.Interop;

/// <summary>
/// Loads a BERT exported to ONNX (as sentence-transformers' all-MiniLM-L6-v2 is) into our <see cref="Bert"/>.
/// Named initializers map by <see cref="Bert.CheckpointName"/>; the exporter leaves each layer's six MatMul weights
/// unnamed and stored input-major, so those are taken in graph order — query, key, value, attention output,
/// intermediate, output — checked by shape, and transposed into Linear's (out, in) layout.
/// </summary>
public static class BertOnnxWeights
{
    static readonly string[] MatMulOrder = { "attention.W_q", "attention.W_k", "attention.W_v", "attention.W_o", "ffn.dense1", "ffn.dense2" };

    public static void LoadInto(Bert model, byte[] onnx)
    {
        var (initializers, nodes) = OnnxModelReader.Read(onnx);
        var byName = initializers.ToDictionary(i => i.Name);
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var assigned = new HashSet<string>();
        using var noGrad = no_grad();

        void Assign(string ours, OnnxInitializer source, bool transpose)
        {
            if (!parameters.TryGetValue(ours, out var target)) throw new InvalidDataException($"the model has no parameter '{ours}' for ONNX initializer '{source.Name}'");
            using Tensor value = tensor(source.Floats ?? throw new InvalidDataException($"initializer '{source.Name}' is not float32"), source.Dims);
            using Tensor oriented = transpose ? value.t().contiguous() : value;
            if (!oriented.shape.SequenceEqual(target.shape))
                throw new InvalidDataException($"'{source.Name}' has shape [{string.Join(", ", oriented.shape)}] but '{ours}' needs [{string.Join(", ", target.shape)}]");
            target.copy_(oriented);
            assigned.Add(ours);
        }

        foreach (var init in initializers)
            if (Bert.CheckpointName(init.Name) is string ours && parameters.ContainsKey(ours)) Assign(ours, init, transpose: false);

        var weights = nodes.Where(n => n.OpType == "MatMul" && n.Inputs.Length == 2 && byName.ContainsKey(n.Inputs[1])
                                       && Bert.CheckpointName(n.Inputs[1]) is null)
                           .Select(n => byName[n.Inputs[1]]).ToList();
        if (weights.Count != MatMulOrder.Length * model.Config.Layers)
            throw new InvalidDataException($"expected {MatMulOrder.Length * model.Config.Layers} unnamed MatMul weights for {model.Config.Layers} layers, found {weights.Count}");
        for (int i = 0; i < weights.Count; i++)
            Assign($"blocks.{i / MatMulOrder.Length}.{MatMulOrder[i % MatMulOrder.Length]}.weight", weights[i], transpose: true);

        var missing = parameters.Keys.Where(k => !assigned.Contains(k)).ToList();
        if (missing.Count > 0) throw new InvalidDataException($"no ONNX weights for: {string.Join(", ", missing)}");
    }
}
