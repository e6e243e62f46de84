using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TransformerSharp.Checkpoints;

/// <summary>What a checkpoint says about itself: its kind and its metadata, whose standard parts are named here.</summary>
public sealed record CheckpointHeader(string Path, string Kind, JsonObject Metadata)
{
    /// <summary>The family's config record as JSON.</summary>
    public JsonObject Config => Metadata["config"] as JsonObject ?? throw new InvalidDataException($"{Path}: the checkpoint has no config");
    /// <summary>The tokenizer's description (ITokenizer.Describe()).</summary>
    public JsonObject? Tokenizer => Metadata["tokenizer"] as JsonObject;
    /// <summary>Training state: next step, best validation loss, losses so far; absent in exported models.</summary>
    public JsonObject? Training => Metadata["training"] as JsonObject;
}

/// <summary>
/// One checkpoint file: a header naming the model kind and a JSON document (config, tokenizer, training state),
/// the model's tensors, optionally the optimiser's state, and a trailer — end marker, content length, XxHash128 of the
/// content (SHA-256 in format 3) — that every read checks first, so a cut or damaged file is refused before any of it is used.
/// Written to a temporary file and renamed, so a crash never leaves half a checkpoint under the real name.
/// </summary>
public static class Checkpoint
{
    const string Magic = "TSHARPCK", EndMarker = "TSHARPEND";
    public const int FormatVersion = 4;
    /// <summary>Format 2 ended with the marker alone: still read, its completeness checked by that marker.</summary>
    const int UnhashedVersion = 2;
    /// <summary>Format 3's trailer holds a SHA-256: still read and checked. Format 4 holds XxHash128, 15 times faster.</summary>
    const int Sha256Version = 3;
    /// <summary>The suffix of a checkpoint being written; a run removes such leftovers from its folder, reads refuse them.</summary>
    public const string TempSuffix = ".tmp";

    public static void Save(string path, string kind, JsonObject metadata, nn.Module model, OptimizerHelper? optimizer = null)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = full + TempSuffix;
        using (var file = File.Create(temp))
        {
            // The content is hashed as it is written, not read back afterwards.
            using var hashing = new HashingStream(file);
            using (var writer = new BinaryWriter(hashing, Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(Magic);
                writer.Write(FormatVersion);
                writer.Write(kind);
                writer.Write(metadata.ToJsonString());
                model.save(writer);
                writer.Write(optimizer is not null);
                optimizer?.save_state_dict(writer);
            }
            long length = file.Position;
            byte[] hash = hashing.Hash();
            using (var trailer = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true))
            {
                trailer.Write(EndMarker);
                trailer.Write(length);
                trailer.Write(hash);
            }
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>
    /// Writes a copy of a checkpoint under another name, atomically (temporary file, flushed to disk, renamed): the
    /// best checkpoint when it is the one just saved, without serialising and hashing the tensors twice.
    /// </summary>
    public static void Copy(string source, string destination)
    {
        string full = Path.GetFullPath(destination);
        string temp = full + TempSuffix;
        using (var from = File.OpenRead(source))
        using (var to = File.Create(temp))
        {
            from.CopyTo(to, 1 << 20);
            to.Flush(flushToDisk: true);
        }
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>Reads the header only: the kind and the metadata, to build a model of the right shape.</summary>
    /// <param name="expectedKind">null accepts any kind.</param>
    public static CheckpointHeader ReadHeader(string path, string? expectedKind = null)
    {
        using var reader = Open(path);
        var (kind, metadata) = ReadHeader(reader, path, expectedKind);
        return new CheckpointHeader(path, kind, metadata);
    }

    /// <summary>Loads tensors into a model built from the header (and the optimiser state when asked and present).</summary>
    public static void Load(string path, string? expectedKind, nn.Module model, OptimizerHelper? optimizer = null)
    {
        using var reader = Open(path);
        ReadHeader(reader, path, expectedKind);
        try
        {
            model.load(reader, strict: true);
            bool hasOptimizer = reader.ReadBoolean();
            if (hasOptimizer && optimizer is not null) optimizer.load_state_dict(reader);
            else if (hasOptimizer) return;               // inference: the optimiser state is not needed (the file was verified whole)
            if (reader.ReadString() != EndMarker) throw new InvalidDataException("the tensors do not end where the file says they do");
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or ArgumentException or IOException)
        {
            throw new InvalidDataException($"{path}: the checkpoint is truncated or does not match the model ({e.Message})", e);
        }
    }

    /// <summary>Opens a checkpoint after checking that it is whole: its trailer (format 3) or its end marker (format 2).</summary>
    static BinaryReader Open(string path)
    {
        if (path.EndsWith(TempSuffix, StringComparison.Ordinal))
            throw new InvalidDataException($"{path}: a temporary file left by an interrupted save, not a checkpoint: use best.ckpt or last.ckpt");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: checkpoint not found", path);
        var reader = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        try
        {
            Verify(reader, path);
            reader.BaseStream.Position = 0;
            return reader;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    static void Verify(BinaryReader reader, string path)
    {
        var stream = reader.BaseStream;
        int version;
        try
        {
            if (reader.ReadString() != Magic) throw new InvalidDataException($"{path}: not a TransformerSharp checkpoint");
            version = reader.ReadInt32();
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException)
        {
            throw new InvalidDataException($"{path}: not a TransformerSharp checkpoint, or a corrupt one ({e.Message})", e);
        }
        byte[] marker = MarkerBytes();
        string damaged = $"{path}: the checkpoint is cut short or damaged";
        if (version == UnhashedVersion)
        {
            if (stream.Length < marker.Length) throw new InvalidDataException($"{damaged} (no end marker)");
            stream.Position = stream.Length - marker.Length;
            if (!reader.ReadBytes(marker.Length).AsSpan().SequenceEqual(marker)) throw new InvalidDataException($"{damaged} (no end marker)");
            return;
        }
        if (version != FormatVersion && version != Sha256Version) return;     // ReadHeader names the version
        int hashSize = version == Sha256Version ? SHA256.HashSizeInBytes : 16;
        int trailer = marker.Length + sizeof(long) + hashSize;
        if (stream.Length < trailer) throw new InvalidDataException($"{damaged} (no trailer)");
        stream.Position = stream.Length - trailer;
        bool markerFound = reader.ReadBytes(marker.Length).AsSpan().SequenceEqual(marker);
        long length = reader.ReadInt64();
        byte[] expected = reader.ReadBytes(hashSize);
        if (!markerFound || length != stream.Length - trailer)
            throw new InvalidDataException($"{damaged} ({stream.Length:N0} bytes; its trailer is missing or does not match its length)");
        stream.Position = 0;
        using var content = new BoundedStream(stream, length);
        byte[] actual = version == Sha256Version ? SHA256.HashData(content) : ContentHash(content);
        if (!actual.AsSpan().SequenceEqual(expected))
            throw new InvalidDataException($"{damaged} (its {(version == Sha256Version ? "SHA-256" : "XxHash128")} does not match: the bytes changed after it was written)");
    }

    static byte[] ContentHash(Stream content)
    {
        var hash = new XxHash128();
        hash.Append(content);
        return hash.GetCurrentHash();
    }

    /// <summary>The end marker as BinaryWriter writes it: a length byte, then the characters.</summary>
    static byte[] MarkerBytes() => [(byte)EndMarker.Length, .. Encoding.UTF8.GetBytes(EndMarker)];

    static (string, JsonObject) ReadHeader(BinaryReader reader, string path, string? expectedKind)
    {
        try
        {
            if (reader.ReadString() != Magic) throw new InvalidDataException($"{path}: not a TransformerSharp checkpoint");
            int version = reader.ReadInt32();
            if (version != FormatVersion && version != Sha256Version && version != UnhashedVersion)
                throw new InvalidDataException($"{path}: checkpoint format {version}, this build reads formats {UnhashedVersion} to {FormatVersion} " +
                                               "(checkpoints written before the model families were unified are not read: retrain)");
            string kind = reader.ReadString();
            if (expectedKind is not null && kind != expectedKind) throw new InvalidDataException($"{path}: this is a '{kind}' checkpoint, not a '{expectedKind}' one");
            var metadata = JsonNode.Parse(reader.ReadString()) as JsonObject ?? throw new InvalidDataException($"{path}: checkpoint metadata is not a JSON object");
            return (kind, metadata);
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or FormatException)
        {
            throw new InvalidDataException($"{path}: not a TransformerSharp checkpoint, or a corrupt one ({e.Message})", e);
        }
    }
}

/// <summary>The first Length bytes of a stream, read-only: hashes a file's content without its trailer.</summary>
sealed class BoundedStream(Stream inner, long length) : Stream
{
    long read;
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => read; set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count)
    {
        int n = inner.Read(buffer, offset, (int)Math.Min(count, length - read));
        read += n;
        return n;
    }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    // The caller owns the file stream.
    protected override void Dispose(bool disposing) { }
}

/// <summary>A write-only stream that hashes (XxHash128) what passes through it to the stream it wraps.</summary>
sealed class HashingStream(Stream inner) : Stream
{
    readonly XxHash128 hash = new();

    public byte[] Hash() => hash.GetCurrentHash();
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        hash.Append(buffer);
        inner.Write(buffer);
    }
    public override void WriteByte(byte value) => Write([value]);
    public override void Flush() => inner.Flush();
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
