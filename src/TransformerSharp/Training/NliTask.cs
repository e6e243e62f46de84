using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TorchSharp;
using TransformerSharp.Models.Bert;
using TransformerSharp.Text;
using static TorchSharp.torch;

namespace TransformerSharp.Training;

/// <summary>Turns a premise and a hypothesis into BERT input.</summary>
public interface IPairEncoder
{
    ITokenizer Tokenizer { get; }
    int PadId { get; }
    BertInput Encode(string premise, string hypothesis);
}

/// <summary>WordPiece (MiniLM's vocabulary): [CLS] premise [SEP] hypothesis [SEP], at most 128 tokens.</summary>
public sealed class WordPiecePairEncoder(BertWordPiece tokenizer, int maxLength = 128) : IPairEncoder
{
    public ITokenizer Tokenizer => tokenizer;
    public int PadId => tokenizer.PadId;
    public BertInput Encode(string premise, string hypothesis) => tokenizer.EncodeInput(premise, hypothesis, maxLength);
}

/// <summary>D2L's word vocabulary: lower case, punctuation split off, &lt;cls&gt; a &lt;sep&gt; b &lt;sep&gt;, at most 64 tokens.</summary>
public sealed class WordPairEncoder(Vocabulary vocab, int maxLength = 64) : IPairEncoder
{
    public ITokenizer Tokenizer => vocab;
    public int PadId => vocab[Vocabulary.Pad];
    public Vocabulary Vocab => vocab;

    static string[] Words(string s) => Regex.Replace(s.ToLowerInvariant(), @"([.,!?;:()""'])", " $1 ").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    public BertInput Encode(string premise, string hypothesis)
    {
        string[] a = Words(premise), b = Words(hypothesis);
        bool truncated = a.Length + b.Length + 3 > maxLength;
        while (a.Length + b.Length + 3 > maxLength) { if (a.Length >= b.Length) a = a[..^1]; else b = b[..^1]; }
        var tokens = new[] { WikiTextBert.Cls }.Concat(a).Append(WikiTextBert.Sep).Concat(b).Append(WikiTextBert.Sep).ToArray();
        int[] segments = Enumerable.Repeat(0, a.Length + 2).Concat(Enumerable.Repeat(1, b.Length + 1)).ToArray();
        return new BertInput(vocab.ToIds(tokens), segments, truncated);
    }
}

/// <summary>The pair encoder for a tokenizer: WordPiece (real BERTs) or D2L's words.</summary>
public static class PairEncoders
{
    public static IPairEncoder For(ITokenizer tokenizer, int maxLength) => tokenizer switch
    {
        BertWordPiece wordPiece => new WordPiecePairEncoder(wordPiece, maxLength),
        Vocabulary words => new WordPairEncoder(words, maxLength),
        _ => throw new InvalidDataException($"a BERT classifier needs a wordpiece or words tokenizer, not {tokenizer.Kind}"),
    };
}

/// <summary>Fine-tuning a <see cref="BertClassifier"/> on NLI pairs; batches depend on (seed, step) only.</summary>
public sealed class NliTask(BertClassifier model, IPairEncoder encoder, IReadOnlyList<NliPair> train, IReadOnlyList<NliPair> valid,
                            int batchSize, long seed, int maxLength) : ITrainingTask
{
    public string Kind => BertCheckpoint.ClassifierKind;
    public nn.Module Model => model;
    public long TokensPerBatch { get; private set; }
    readonly EpochShuffle shuffle = new(train.Count, seed);
    public int StepsPerEpoch => (train.Count + batchSize - 1) / batchSize;

    public Tensor TrainingLoss(long step, int micro)
    {
        int[] order = shuffle.Order(step / StepsPerEpoch);
        var batch = order.Skip((int)(step % StepsPerEpoch) * batchSize).Take(batchSize).Select(i => train[i]).ToList();
        var inputs = batch.Select(p => encoder.Encode(p.Premise, p.Hypothesis)).ToList();
        TokensPerBatch = inputs.Sum(i => (long)i.Ids.Length);
        return nn.functional.cross_entropy(Logits(model, inputs, encoder.PadId), tensor(batch.Select(p => (long)p.Label).ToArray()));
    }

    public double EvaluationLoss(string split, CancellationToken cancel)
    {
        var pairs = (split == "train" ? train : valid).Take(1000).ToList();
        double total = 0;
        foreach (var chunk in pairs.Chunk(64))
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            total += nn.functional.cross_entropy(Logits(model, encoder, chunk), tensor(chunk.Select(p => (long)p.Label).ToArray())).item<float>() * chunk.Length;
        }
        return total / pairs.Count;
    }

    public JsonObject Describe() => BertCheckpoint.Describe(model.Encoder.Config, encoder.Tokenizer,
        new JsonObject { ["labels"] = new JsonArray(NliData.Labels.Select(l => (JsonNode)l).ToArray()), ["max_length"] = maxLength });

    public static Tensor Logits(BertClassifier model, IPairEncoder encoder, IReadOnlyList<NliPair> pairs) =>
        Logits(model, pairs.Select(p => encoder.Encode(p.Premise, p.Hypothesis)).ToList(), encoder.PadId);

    static Tensor Logits(BertClassifier model, IReadOnlyList<BertInput> inputs, int padId)
    {
        var (ids, segments, lens) = BertWordPiece.Batch(inputs, padId);
        return model.forward(ids, segments, lens);
    }

    /// <summary>Accuracy of the model's argmax on the pairs.</summary>
    public static double Accuracy(BertClassifier model, IPairEncoder encoder, IReadOnlyList<NliPair> pairs, CancellationToken cancel = default)
    {
        model.eval();
        using var noGrad = no_grad();
        int correct = 0;
        foreach (var chunk in pairs.Chunk(64))
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            long[] predicted = Logits(model, encoder, chunk).argmax(1).data<long>().ToArray();
            correct += chunk.Where((p, i) => predicted[i] == p.Label).Count();
        }
        return correct / (double)pairs.Count;
    }
}
