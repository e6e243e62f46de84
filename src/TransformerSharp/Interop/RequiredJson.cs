using System.Text.Json.Nodes;

namespace TransformerSharp.Interop;

/// <summary>
/// Fields that parsed JSON must have: a missing or null one throws FormatException naming it, for the reader to turn
/// into a one-line error. Readers check rather than catch NullReferenceException: on CPUs with AMX a null dereference
/// can kill the process instead of throwing (README, "AMX and .NET's signal stack").
/// </summary>
internal static class RequiredJson
{
    public static JsonNode Field(JsonNode? node, string name) => node?[name] ?? throw new FormatException($"no '{name}'");

    public static T Value<T>(JsonNode? node, string what) => node is null ? throw new FormatException($"{what} is null") : node.GetValue<T>();

    public static T FieldValue<T>(JsonNode? node, string name) => Value<T>(Field(node, name), name);
}
