using System.Text;
using System.Text.Json.Nodes;
using Microsoft.ML.Tokenizers;

namespace TransformerSharp.Text;

/// <summary>A BERT input: token ids with [CLS] … [SEP] (and a second segment for pairs), and segment ids.</summary>
public sealed record BertInput(int[] Ids, int[] Segments, bool Truncated);

/// <summary>BERT's WordPiece tokenisation through Microsoft.ML.Tokenizers' BertTokenizer over a vocab.txt.</summary>
public sealed class BertWordPiece : ITokenizer
{
    readonly BertTokenizer tokenizer;
    readonly string[] tokens;
    readonly bool lowerCase;

    /// <param name="vocab">a vocab.txt: one token per line, ids in line order.</param>
    public BertWordPiece(Stream vocab, bool lowerCase = true) : this(Lines(vocab), lowerCase) { }

    public BertWordPiece(IReadOnlyList<string> vocabulary, bool lowerCase = true)
    {
        tokens = vocabulary.ToArray();
        this.lowerCase = lowerCase;
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', tokens) + "\n"));
        tokenizer = BertTokenizer.Create(stream, new BertOptions { LowerCaseBeforeTokenization = lowerCase });
        SpecialIds = new Dictionary<string, int>
        {
            ["[PAD]"] = tokenizer.PaddingTokenId, ["[UNK]"] = tokenizer.UnknownTokenId, ["[CLS]"] = tokenizer.ClassificationTokenId,
            ["[SEP]"] = tokenizer.SeparatorTokenId, ["[MASK]"] = tokenizer.MaskingTokenId,
        };
    }

    static List<string> Lines(Stream stream)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line) lines.Add(line);
        return lines;
    }

    public string Kind => "wordpiece";
    public int VocabSize => tokens.Length;
    public int PadId => tokenizer.PaddingTokenId;
    public IReadOnlyDictionary<string, int> SpecialIds { get; }
    /// <summary>[CLS] text [SEP] as ids (up to 512 tokens).</summary>
    public int[] Encode(string text) => EncodeInput(text).Ids;
    public string Decode(IEnumerable<int> ids) => tokenizer.Decode(ids) ?? "";
    /// <summary>The whole vocabulary travels with the checkpoint, as a Hugging Face folder keeps its vocab.txt.</summary>
    public JsonObject Describe() => new() { ["kind"] = Kind, ["lower_case"] = lowerCase, ["tokens"] = Tokenizers.Array(tokens) };

    /// <summary>[CLS] text [SEP] (or [CLS] a [SEP] b [SEP]), cut to maxLength tokens; Truncated says whether it was cut.</summary>
    public BertInput EncodeInput(string text, string? pair = null, int maxLength = 512)
    {
        if (text.Trim().Length == 0) throw new UserError("an empty line has no tokens to embed");
        int[] first = tokenizer.EncodeToIds(text, addSpecialTokens: false).ToArray();
        int[] second = pair is null ? Array.Empty<int>() : tokenizer.EncodeToIds(pair, addSpecialTokens: false).ToArray();
        int specials = pair is null ? 2 : 3;
        bool truncated = first.Length + second.Length + specials > maxLength;
        // Cut the longer part first, as BERT's "longest first" truncation does.
        while (first.Length + second.Length + specials > maxLength)
        {
            if (first.Length >= second.Length) first = first[..^1]; else second = second[..^1];
        }
        var ids = new List<int> { tokenizer.ClassificationTokenId };
        ids.AddRange(first);
        ids.Add(tokenizer.SeparatorTokenId);
        var segments = Enumerable.Repeat(0, ids.Count).ToList();
        if (pair is not null)
        {
            ids.AddRange(second);
            ids.Add(tokenizer.SeparatorTokenId);
            segments.AddRange(Enumerable.Repeat(1, second.Length + 1));
        }
        return new BertInput(ids.ToArray(), segments.ToArray(), truncated);
    }

    /// <summary>Right-padded (batch, len) token and segment ids and the valid length of each row.</summary>
    public static (TorchSharp.torch.Tensor ids, TorchSharp.torch.Tensor segments, TorchSharp.torch.Tensor validLens) Batch(IReadOnlyList<BertInput> inputs, int padId)
    {
        int length = inputs.Max(i => i.Ids.Length);
        var ids = new long[inputs.Count * length];
        var segments = new long[inputs.Count * length];
        for (int b = 0; b < inputs.Count; b++)
            for (int t = 0; t < length; t++)
            {
                ids[b * length + t] = t < inputs[b].Ids.Length ? inputs[b].Ids[t] : padId;
                segments[b * length + t] = t < inputs[b].Segments.Length ? inputs[b].Segments[t] : 0;
            }
        return (TorchSharp.torch.tensor(ids).reshape(inputs.Count, length), TorchSharp.torch.tensor(segments).reshape(inputs.Count, length),
                TorchSharp.torch.tensor(inputs.Select(i => (long)i.Ids.Length).ToArray()));
    }
}
