using System.Text.Json;
using System.Text.Json.Nodes;
using TransformerSharp.Layers;

namespace TransformerSharp.Interop;

/// <summary>Reads a Hugging Face config.json's fields, each error naming the file and the field.</summary>
public sealed class HuggingFaceConfig(JsonObject json, string source)
{
    public JsonObject Json => json;

    public int Int(string field) => IntOrNull(field) ?? throw new InvalidDataException($"{source}: '{field}' is missing");

    public int? IntOrNull(string field) => Value<int?>(field, null);

    public double Double(string field, double fallback) => Value(field, fallback);

    public string Text(string field, string fallback) => Value(field, fallback);

    public bool Bool(string field, bool fallback) => Value(field, fallback);

    /// <summary>An activation field (hidden_act, activation_function): Hugging Face's names for the activations we have.</summary>
    public Activation Activation(string field, string fallback) => Text(field, fallback) switch
    {
        "gelu" => Layers.Activation.Gelu,
        "gelu_new" or "gelu_pytorch_tanh" => Layers.Activation.GeluTanh,
        "relu" => Layers.Activation.Relu,
        string other => throw Unsupported(field, other, "gelu, gelu_new, gelu_pytorch_tanh or relu"),
    };

    /// <summary>Hugging Face's name of one of our activations.</summary>
    public static string ActivationName(Activation activation) => activation switch
    {
        Layers.Activation.Gelu => "gelu",
        Layers.Activation.GeluTanh => "gelu_new",
        Layers.Activation.Relu => "relu",
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "no Hugging Face name for this activation here"),
    };

    /// <summary>A field this build implements only at one value: absent is fine, any other value is an error.</summary>
    public void Require(string field, bool value)
    {
        if (json[field] is not null && Bool(field, value) != value) throw Unsupported(field, !value, value.ToString().ToLowerInvariant());
    }

    public UserError Unsupported(string field, object value, string supported) =>
        new($"{source}: {field} = {Format(value)} is not implemented here (supported: {supported})");

    static string Format(object value) => value switch { string s => $"\"{s}\"", bool b => b ? "true" : "false", _ => value.ToString() ?? "null" };

    T Value<T>(string field, T fallback)
    {
        var node = json[field];
        if (node is null) return fallback;
        try { return node.Deserialize<T>()!; }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{source}: '{field}' is {node.ToJsonString()}, not a {typeof(T).Name.Replace("Nullable`1", "number")}");
        }
    }
}
