using System.Text.Json.Nodes;

namespace TransformerSharp.Text;

/// <summary>
/// The few-shot task's word-level vocabulary: each demonstration "c>F;" is one token (64 of them), each query "c>"
/// one token (8), each answer "F" one token (8). With a whole demonstration in one token, a small GPT can find the
/// demonstration that answers a query with a single attention step — which is what in-context learning needs here.
/// </summary>
public sealed class SubstitutionTokenizer : ITokenizer
{
    public const string Letters = "abcdefgh", Capitals = "ABCDEFGH";
    const int Pairs = 64, Queries = 8;

    public string Kind => "substitution";
    public const int Size = Pairs + Queries + 8;
    public int VocabSize => Size;
    public IReadOnlyDictionary<string, int> SpecialIds { get; } = new Dictionary<string, int>();
    public JsonObject Describe() => new() { ["kind"] = Kind };

    public static int Pair(int source, int target) => source * 8 + target;
    public static int Query(int source) => Pairs + source;
    public static int Answer(int target) => Pairs + Queries + target;

    public int[] Encode(string text)
    {
        var ids = new List<int>();
        for (int i = 0; i < text.Length;)
        {
            int source = Letters.IndexOf(text[i]), answer = Capitals.IndexOf(text[i]);
            bool arrow = i + 1 < text.Length && text[i + 1] == '>';
            if (source >= 0 && arrow && i + 3 < text.Length && Capitals.Contains(text[i + 2]) && text[i + 3] == ';')
            {
                ids.Add(Pair(source, Capitals.IndexOf(text[i + 2])));
                i += 4;
            }
            else if (source >= 0 && arrow) { ids.Add(Query(source)); i += 2; }
            else if (answer >= 0) { ids.Add(Answer(answer)); i++; }
            else throw new UserError($"position {i}: expected a demonstration like 'c>F;', a query like 'c>' or an answer like 'F', found '{text[i..]}'");
        }
        return ids.ToArray();
    }

    public string Decode(IEnumerable<int> ids) => string.Concat(ids.Select(id => id switch
    {
        < Pairs => $"{Letters[id / 8]}>{Capitals[id % 8]};",
        < Pairs + Queries => $"{Letters[id - Pairs]}>",
        _ => Capitals[id - Pairs - Queries].ToString(),
    }));
}
