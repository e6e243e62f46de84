using System.Text;

namespace TransformerSharp.Text;

public static class TextFiles
{
    static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The file's text; a missing or empty file is an error naming it and what it should hold.</summary>
    public static string ReadNonEmpty(string path, string expected)
    {
        if (!File.Exists(path)) throw new UserError($"{path}: file not found");
        string text = ReadUtf8(path);
        if (text.Trim().Length == 0) throw new UserError($"{path}: the file is empty; give {expected}");
        return text;
    }

    /// <summary>
    /// The file as UTF-8 text (a byte-order mark is skipped); bytes that are not UTF-8, or a NUL byte (a binary file
    /// can be valid UTF-8 for a while), are an error naming the file and offset.
    /// </summary>
    public static string ReadUtf8(string path) => DecodeUtf8(File.ReadAllBytes(path), path);

    /// <summary>Bytes read from <paramref name="path"/> (a file, or an archive's entry) as UTF-8 text; see <see cref="ReadUtf8"/>.</summary>
    public static string DecodeUtf8(byte[] bytes, string path)
    {
        int start = bytes.AsSpan().StartsWith(Strict.Preamble) ? Strict.Preamble.Length : 0;
        int nul = bytes.AsSpan(start).IndexOf((byte)0);
        if (nul >= 0) throw new InvalidDataException($"{path}: a binary file, not text (NUL byte at offset {start + nul})");
        try { return Strict.GetString(bytes, start, bytes.Length - start); }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"{path}: not UTF-8 text (invalid byte 0x{e.BytesUnknown?.FirstOrDefault():X2} at offset {start + e.Index})");
        }
    }

    /// <summary>The lines of a UTF-8 file (see <see cref="ReadUtf8"/>), without line endings.</summary>
    public static IEnumerable<string> ReadLinesUtf8(string path)
    {
        string[] lines = ReadUtf8(path).Split('\n');
        // A final line ending does not start another line.
        int count = lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        return lines.Take(count).Select(l => l.TrimEnd('\r'));
    }
}
