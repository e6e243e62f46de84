using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace TransformerSharp.Models;

/// <summary>
/// How every family's config record becomes JSON and back (checkpoint headers, `info`, `presets`): snake_case names,
/// enums as snake_case strings, unknown fields refused so a mismatched checkpoint says which field is wrong.
/// </summary>
public static class ConfigJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static JsonObject ToJson<T>(T value) => JsonSerializer.SerializeToNode(value, Options)!.AsObject();

    public static T FromJson<T>(JsonNode? node, string source)
    {
        if (node is null) throw new InvalidDataException($"{source}: no {typeof(T).Name} in the checkpoint");
        try { return node.Deserialize<T>(Options) ?? throw new InvalidDataException($"{source}: empty {typeof(T).Name}"); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: the {typeof(T).Name} does not match this build ({e.Message})", e); }
    }
}
