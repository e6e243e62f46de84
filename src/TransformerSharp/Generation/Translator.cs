using System.Text.Json.Nodes;
using TorchSharp;
using TransformerSharp.Models;
using TransformerSharp.Text;
using TransformerSharp.Training;
using static TorchSharp.torch;

namespace TransformerSharp.Generation;

/// <summary>A trained translator: model, vocabularies and D2L's text preparation, from one checkpoint.</summary>
public sealed class Translator
{
    public Translator(ISeq2SeqModel model, TranslationData data)
    {
        Model = model;
        Data = data;
    }

    public ISeq2SeqModel Model { get; }
    public TranslationData Data { get; }

    /// <summary>Builds the model a checkpoint describes ("transformer" or "bahdanau") from its metadata.</summary>
    public static ISeq2SeqModel CreateModel(JsonObject metadata)
    {
        var c = metadata["config"]!.AsObject();
        int Int(string key) => c[key]!.GetValue<int>();
        return metadata["model"]!.GetValue<string>() switch
        {
            "transformer" => new Transformer(new TransformerConfig(Int("source_vocab"), Int("target_vocab"), Int("hidden"), Int("blocks"),
                Int("heads"), Int("ffn_hidden"), c["dropout"]!.GetValue<double>(), Int("max_length"), c["share_embeddings"]!.GetValue<bool>())),
            "bahdanau" => new Bahdanau(new BahdanauConfig(Int("source_vocab"), Int("target_vocab"), Int("embedding"), Int("hidden"),
                Int("layers"), c["dropout"]!.GetValue<double>())),
            string other => throw new InvalidDataException($"unknown translator model '{other}'"),
        };
    }

    public static JsonObject DescribeConfig(ISeq2SeqModel model) => model switch
    {
        Transformer t => new JsonObject
        {
            ["source_vocab"] = t.Config.SourceVocab, ["target_vocab"] = t.Config.TargetVocab, ["hidden"] = t.Config.Hidden,
            ["blocks"] = t.Config.Blocks, ["heads"] = t.Config.Heads, ["ffn_hidden"] = t.Config.FfnHidden,
            ["dropout"] = t.Config.Dropout, ["max_length"] = t.Config.MaxLength, ["share_embeddings"] = t.Config.ShareEmbeddings,
        },
        Bahdanau b => new JsonObject
        {
            ["source_vocab"] = b.Config.SourceVocab, ["target_vocab"] = b.Config.TargetVocab, ["embedding"] = b.Config.Embedding,
            ["hidden"] = b.Config.Hidden, ["layers"] = b.Config.Layers, ["dropout"] = b.Config.Dropout,
        },
        _ => throw new ArgumentException("unknown model"),
    };

    public static Translator Load(string path)
    {
        var (_, metadata) = Checkpoint.ReadHeader(path, "translator");
        ISeq2SeqModel model = CreateModel(metadata);
        Checkpoint.Load(path, "translator", model.Module);
        model.Module.eval();
        var source = new Vocabulary(metadata["source_vocab"]!.AsArray().Select(t => t!.GetValue<string>()).ToList());
        var target = new Vocabulary(metadata["target_vocab"]!.AsArray().Select(t => t!.GetValue<string>()).ToList());
        SubwordVocabulary? subwords = metadata["subwords"] is JsonObject bpe
            ? new SubwordVocabulary(bpe["merges"]!.AsArray().Select(m => m!.GetValue<string>()).ToList(), bpe["alphabet"]!.GetValue<string>())
            : null;
        return new Translator(model, new TranslationData(Array.Empty<SentencePair>(), source, target, metadata["num_steps"]!.GetValue<int>()) { Subwords = subwords });
    }

    /// <summary>D2L's preparation of one English sentence: preprocessed, split on spaces, &lt;eos&gt; appended (then BPE pieces).</summary>
    public string[] PrepareSource(string sentence)
    {
        string[] words = (TranslationCorpus.Preprocess(sentence.Trim()) + " " + Vocabulary.Eos).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return Data.Subwords?.Split(words) ?? words;
    }

    /// <summary>Translates sentences (greedy when beam is 1), warning about unknown words and over-long inputs.</summary>
    public List<string> Translate(IReadOnlyList<string> sentences, int beam = 1, Action<string>? warn = null,
                                  Action<int, IReadOnlyDictionary<string, Tensor>>? onStep = null)
    {
        var prepared = sentences.Select(PrepareSource).ToList();
        for (int i = 0; i < prepared.Count; i++)
        {
            var unknown = prepared[i].Where(t => !Data.SourceVocab.Contains(t)).Distinct().ToList();
            if (unknown.Count > 0) warn?.Invoke($"sentence {i + 1}: unknown word(s) {string.Join(", ", unknown.Select(u => $"'{u}'"))} read as <unk>");
            if (prepared[i].Length > Data.NumSteps)
                warn?.Invoke($"sentence {i + 1}: {prepared[i].Length} tokens with <eos>, more than the model's {Data.NumSteps}: the rest is cut");
        }
        int bos = Data.TargetVocab[Vocabulary.Bos], eos = Data.TargetVocab[Vocabulary.Eos];
        var results = new List<string>();
        const int chunk = 256;
        for (int start = 0; start < prepared.Count; start += chunk)
        {
            using var scope = NewDisposeScope();
            var part = prepared.Skip(start).Take(chunk).ToList();
            var (src, lens) = Data.EncodeSources(part);
            if (beam <= 1)
                results.AddRange(Seq2Seq.Greedy(Model, src, lens, bos, eos, Data.NumSteps, onStep).Select(ToText));
            else
                for (int b = 0; b < part.Count; b++)
                    results.Add(ToText(BeamSearch.Decode(Model, src[TensorIndex.Slice(b, b + 1)], lens[TensorIndex.Slice(b, b + 1)], bos, eos, Data.NumSteps, beam)));
        }
        return results;
    }

    string ToText(int[] ids) => Data.Detokenize(ids.Select(Data.TargetVocab.ToToken));
}
