using System.Text.Json;
using System.Text.Json.Nodes;
using TransformerSharp.Text;
using static TorchSharp.torch;

namespace TransformerSharp.Interop;

/// <summary>
/// A Hugging Face model directory: config.json (model_type names the family), the weights as model.safetensors (or
/// shards listed in model.safetensors.index.json), and the tokenizer's files. Directories written by `export` also
/// hold transformersharp_tokenizer.json, the exact tokenizer a checkpoint of ours carries.
/// </summary>
public static class HuggingFaceDirectory
{
    public const string ConfigFile = "config.json", WeightsFile = "model.safetensors", IndexFile = "model.safetensors.index.json",
                        OurTokenizerFile = "transformersharp_tokenizer.json", BertVocabFile = "vocab.txt", TokenizerConfigFile = "tokenizer_config.json",
                        SentencePieceFile = "spiece.model";

    /// <summary>The config.json, checked to belong to the expected family (its model_type).</summary>
    public static JsonObject ReadConfig(string folder, string modelType)
    {
        if (!Directory.Exists(folder)) throw new UserError($"{folder}: no such directory");
        string path = Path.Combine(folder, ConfigFile);
        if (!File.Exists(path)) throw new UserError($"{folder}: not a Hugging Face model directory (no {ConfigFile})");
        JsonObject json;
        try { json = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new JsonException("null"); }
        catch (Exception e) when (e is JsonException or InvalidOperationException) { throw new InvalidDataException($"{path}: not a JSON object ({e.Message})"); }
        string found = json["model_type"]?.GetValue<string>() ?? throw new InvalidDataException($"{path}: no model_type");
        if (found != modelType)
            throw new UserError($"{path}: model_type '{found}', but this command takes a '{modelType}' model (this build reads gpt2, bert and t5)");
        return json;
    }

    /// <summary>Every tensor of the directory's weights (float32); pickled .bin weights are refused with a way out.</summary>
    public static Dictionary<string, Tensor> ReadWeights(string folder)
    {
        string single = Path.Combine(folder, WeightsFile), index = Path.Combine(folder, IndexFile);
        if (File.Exists(single)) return SafeTensors.Read(single);
        if (File.Exists(index)) return ReadShards(folder, index);
        string? pickled = new[] { "pytorch_model.bin", "model.bin", "pytorch_model.bin.index.json" }.Select(f => Path.Combine(folder, f)).FirstOrDefault(File.Exists);
        if (pickled is not null) SafeTensors.Read(pickled.Replace(".index.json", ""));      // throws: says how to convert
        throw new UserError($"{folder}: no {WeightsFile} (or {IndexFile})");
    }

    /// <summary>
    /// The model a family's Import builds from the directory's weights, once the tokenizer is known to fit the vocabulary;
    /// the tensors read from the files are freed as soon as the model holds its copies.
    /// </summary>
    public static TModel ImportWeights<TModel>(string folder, int tokenizerSize, int vocabSize, Func<IReadOnlyDictionary<string, Tensor>, TModel> import)
    {
        if (tokenizerSize > vocabSize)
            throw new InvalidDataException($"{folder}: the tokenizer has {tokenizerSize:N0} tokens but vocab_size is {vocabSize:N0}");
        var tensors = ReadWeights(folder);
        try { return import(tensors); }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
    }

    static Dictionary<string, Tensor> ReadShards(string folder, string index)
    {
        var map = JsonNode.Parse(File.ReadAllText(index))?["weight_map"]?.AsObject() ?? throw new InvalidDataException($"{index}: no weight_map");
        var all = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (string shard in map.Select(kv => kv.Value!.GetValue<string>()).Distinct())
        {
            if (Path.GetFileName(shard) != shard) throw new InvalidDataException($"{index}: shard '{shard}' is not a file name in the directory");
            foreach (var (name, value) in SafeTensors.Read(Path.Combine(folder, shard))) all[name] = value;
        }
        return all;
    }

    /// <summary>The tokenizer an export wrote, if the directory has one.</summary>
    public static ITokenizer? ReadOurTokenizer(string folder)
    {
        string path = Path.Combine(folder, OurTokenizerFile);
        if (!File.Exists(path)) return null;
        return Tokenizers.Restore(JsonNode.Parse(File.ReadAllText(path)) as JsonObject, path);
    }

    /// <summary>A BERT directory's WordPiece tokenizer: vocab.txt, lower-cased unless tokenizer_config.json says do_lower_case false.</summary>
    public static BertWordPiece ReadBertTokenizer(string folder)
    {
        if (ReadOurTokenizer(folder) is { } ours)
            return ours as BertWordPiece ?? throw new InvalidDataException($"{folder}/{OurTokenizerFile}: not a WordPiece tokenizer");
        string vocab = Path.Combine(folder, BertVocabFile);
        if (!File.Exists(vocab)) throw new UserError($"{folder}: a BERT directory needs {BertVocabFile}");
        string config = Path.Combine(folder, TokenizerConfigFile);
        bool lowerCase = !File.Exists(config) || (JsonNode.Parse(File.ReadAllText(config))?["do_lower_case"]?.GetValue<bool>() ?? true);
        using var stream = File.OpenRead(vocab);
        return new BertWordPiece(stream, lowerCase);
    }

    /// <summary>Writes the tokenizer: Hugging Face's own files where one exists for it (GPT-2, WordPiece, T5's SentencePiece), and ours always.</summary>
    public static List<string> WriteTokenizer(ITokenizer tokenizer, string folder, int maxLength)
    {
        var written = new List<string>();
        string Write(string file, string text) { string path = Path.Combine(folder, file); File.WriteAllText(path, text); written.Add(path); return path; }
        Write(OurTokenizerFile, tokenizer.Describe().ToJsonString());
        var options = new JsonSerializerOptions { WriteIndented = true };
        switch (tokenizer)
        {
            case Gpt2Tokenizer:
                Gpt2Files.Write(folder);
                written.Add(Path.Combine(folder, Gpt2Files.VocabFile));
                written.Add(Path.Combine(folder, Gpt2Files.MergesFile));
                Write(TokenizerConfigFile, new JsonObject
                {
                    ["tokenizer_class"] = "GPT2Tokenizer", ["model_max_length"] = maxLength,
                    ["bos_token"] = Gpt2Files.EndOfText, ["eos_token"] = Gpt2Files.EndOfText, ["unk_token"] = Gpt2Files.EndOfText,
                }.ToJsonString(options));
                break;
            case T5SentencePieceTokenizer sentencePiece:
                string model = Path.Combine(folder, SentencePieceFile);
                File.WriteAllBytes(model, sentencePiece.Model);
                written.Add(model);
                Write(TokenizerConfigFile, new JsonObject
                {
                    ["tokenizer_class"] = "T5Tokenizer", ["extra_ids"] = T5Tokenizer.SentinelCount, ["model_max_length"] = maxLength,
                    ["pad_token"] = T5Tokenizer.Pad, ["eos_token"] = T5Tokenizer.Eos, ["unk_token"] = T5Tokenizer.Unk,
                }.ToJsonString(options));
                break;
            case BertWordPiece wordPiece:
                var description = wordPiece.Describe();
                Write(BertVocabFile, string.Join('\n', description["tokens"]!.AsArray().Select(t => t!.GetValue<string>())) + "\n");
                Write(TokenizerConfigFile, new JsonObject
                {
                    ["tokenizer_class"] = "BertTokenizer", ["do_lower_case"] = description["lower_case"]!.GetValue<bool>(), ["model_max_length"] = maxLength,
                }.ToJsonString(options));
                break;
        }
        return written;
    }
}
