using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace TransformerSharp.Text;

/// <summary>
/// T5's own tokenizer: its SentencePiece unigram model (spiece.model: &lt;pad&gt; 0, &lt;/s&gt; 1, &lt;unk&gt; 2, no
/// &lt;s&gt;) through Microsoft.ML.Tokenizers, then the 100 sentinels after its pieces, as Hugging Face's T5Tokenizer
/// adds them. Kind "t5-sentencepiece"; the model's bytes travel with a checkpoint.
/// </summary>
public sealed partial class T5SentencePieceTokenizer : T5Tokenizer
{
    readonly SentencePieceTokenizer pieces;
    readonly byte[] model;
    readonly int pieceCount;

    public T5SentencePieceTokenizer(byte[] model, string source = "spiece.model")
    {
        this.model = model;
        try { pieces = SentencePieceTokenizer.Create(new MemoryStream(WithBos(model)), false, false); }
        catch (Exception e) when (e is InvalidDataException or IndexOutOfRangeException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidDataException($"{source}: not a SentencePiece model ({e.Message})", e);
        }
        pieceCount = pieces.Vocabulary.Values.Max() + 1;                          // the vocabulary also names <s>, at <unk>'s id
        var ids = pieces.Vocabulary;
        if (!(ids.TryGetValue(Pad, out int pad) && pad == PadId && ids.TryGetValue(Eos, out int eos) && eos == EosId && ids.TryGetValue(Unk, out int unk) && unk == UnkId))
            throw new InvalidDataException($"{source}: not T5's layout (<pad> 0, </s> 1, <unk> 2)");
    }

    public static T5SentencePieceTokenizer Read(string path) => new(File.ReadAllBytes(path), path);

    public byte[] Model => model;
    public override string Kind => "t5-sentencepiece";
    public override int VocabSize => pieceCount + SentinelCount;
    public override JsonObject Describe() => new() { ["kind"] = Kind, ["model"] = Convert.ToBase64String(model) };

    /// <summary>Pieces of the text, sentinels written in it kept whole; runs of unknown characters become one &lt;unk&gt;, as SentencePiece does.</summary>
    public override int[] Encode(string text)
    {
        var ids = new List<int>();
        int at = 0;
        foreach (Match sentinel in SentinelPattern().Matches(text))
        {
            int k = int.Parse(sentinel.Groups[1].Value);
            if (k >= SentinelCount) continue;
            Add(text[at..sentinel.Index]);
            ids.Add(SentinelId(k));
            at = sentinel.Index + sentinel.Length;
        }
        Add(text[at..]);
        return ids.ToArray();

        void Add(string part)
        {
            if (part.Trim().Length == 0) return;
            foreach (int id in pieces.EncodeToIds(part))
                if (!(id == UnkId && ids.Count > 0 && ids[^1] == UnkId)) ids.Add(id);
        }
    }

    public override string Decode(IEnumerable<int> ids)
    {
        var text = new StringBuilder();
        var run = new List<int>();
        void Flush() { if (run.Count > 0) { text.Append(pieces.Decode(run)); run.Clear(); } }
        foreach (int id in ids)
        {
            if (id is PadId or EosId) continue;
            if (id < 0 || id >= VocabSize) throw new ArgumentOutOfRangeException(nameof(ids), $"token id {id} is outside the vocabulary of {VocabSize}");
            if (!IsSentinel(id)) { run.Add(id); continue; }
            Flush();
            text.Append(text.Length > 0 ? " " : "").Append(Sentinel(VocabSize - 1 - id)).Append(' ');
        }
        Flush();
        return Regex.Replace(text.ToString(), " {2,}", " ").Trim();
    }

    [GeneratedRegex(@"<extra_id_(\d+)>")]
    private static partial Regex SentinelPattern();

    /// <summary>
    /// T5's model has no &lt;s&gt; (trainer_spec.bos_id = −1), which Microsoft.ML.Tokenizers 2.0.1's unigram model cannot
    /// load (IndexOutOfRangeException). Nothing here adds a &lt;s&gt;, so bos_id is pointed at &lt;unk&gt;: encoding is
    /// unchanged (a test compares it with SentencePiece's own).
    /// </summary>
    static byte[] WithBos(byte[] model)
    {
        const int TrainerSpec = 2, BosId = 41;
        var output = new List<byte>(model.Length + 16);
        int i = 0;
        while (i < model.Length)
        {
            int start = i;
            ulong key = ReadVarint(model, ref i);
            if ((int)(key >> 3) == TrainerSpec && (key & 7) == 2)
            {
                int length = checked((int)ReadVarint(model, ref i));
                var spec = Rewrite(model.AsSpan(i, length).ToArray(), BosId, UnkId);
                i += length;
                WriteVarint(output, key);
                WriteVarint(output, (ulong)spec.Length);
                output.AddRange(spec);
            }
            else
            {
                Skip(model, ref i, (int)(key & 7));
                output.AddRange(model.AsSpan(start, i - start).ToArray());
            }
        }
        return output.ToArray();
    }

    /// <summary>The message with a negative varint field set to the value; everything else byte for byte.</summary>
    static byte[] Rewrite(byte[] message, int field, int value)
    {
        var output = new List<byte>(message.Length);
        int i = 0;
        while (i < message.Length)
        {
            int start = i;
            ulong key = ReadVarint(message, ref i);
            int wire = (int)(key & 7);
            if ((int)(key >> 3) == field && wire == 0)
            {
                long current = (long)ReadVarint(message, ref i);
                WriteVarint(output, key);
                WriteVarint(output, current < 0 ? (ulong)value : (ulong)current);
                continue;
            }
            Skip(message, ref i, wire);
            output.AddRange(message.AsSpan(start, i - start).ToArray());
        }
        return output.ToArray();
    }

    static void Skip(byte[] data, ref int i, int wire)
    {
        switch (wire)
        {
            case 0: ReadVarint(data, ref i); break;
            case 1: i += 8; break;
            case 2:
                int length = checked((int)ReadVarint(data, ref i));                 // read first: i moves past the length
                i += length;
                break;
            case 5: i += 4; break;
            default: throw new InvalidDataException($"not a SentencePiece model (protobuf wire type {wire})");
        }
        if (i > data.Length) throw new InvalidDataException("not a SentencePiece model (a field runs past the end)");
    }

    static ulong ReadVarint(byte[] data, ref int i)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (i >= data.Length) throw new InvalidDataException("not a SentencePiece model (cut short)");
            byte b = data[i++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw new InvalidDataException("not a SentencePiece model (a varint is too long)");
    }

    static void WriteVarint(List<byte> output, ulong value)
    {
        for (; value >= 0x80; value >>= 7) output.Add((byte)(value | 0x80));
        output.Add((byte)value);
    }
}
