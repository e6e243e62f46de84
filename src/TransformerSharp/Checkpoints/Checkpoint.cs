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
/// the model's tensors, optionally the optimiser's state, and an end marker that shows the file is whole.
/// Written to a temporary file and renamed, so a crash never leaves half a checkpoint under the real name.
/// </summary>
public static class Checkpoint
{
    const string Magic = "TSHARPCK", EndMarker = "TSHARPEND";
    public const int FormatVersion = 2;

    public static void Save(string path, string kind, JsonObject metadata, nn.Module model, OptimizerHelper? optimizer = null)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = full + ".tmp";
        using (var stream = File.Create(temp))
        using (var writer = new BinaryWriter(stream, Encoding.UTF8))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(kind);
            writer.Write(metadata.ToJsonString());
            model.save(writer);
            writer.Write(optimizer is not null);
            optimizer?.save_state_dict(writer);
            writer.Write(EndMarker);
            writer.Flush();
            stream.Flush(flushToDisk: true);
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
            else if (hasOptimizer) return;               // inference: the optimiser state is not needed
            if (reader.ReadString() != EndMarker) throw new InvalidDataException("end marker missing");
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or ArgumentException or IOException)
        {
            throw new InvalidDataException($"{path}: the checkpoint is truncated or does not match the model ({e.Message})", e);
        }
    }

    static BinaryReader Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: checkpoint not found", path);
        return new BinaryReader(File.OpenRead(path), Encoding.UTF8);
    }

    static (string, JsonObject) ReadHeader(BinaryReader reader, string path, string? expectedKind)
    {
        try
        {
            if (reader.ReadString() != Magic) throw new InvalidDataException($"{path}: not a TransformerSharp checkpoint");
            int version = reader.ReadInt32();
            if (version != FormatVersion)
                throw new InvalidDataException($"{path}: checkpoint format {version}, this build reads format {FormatVersion} " +
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
