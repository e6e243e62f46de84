using TorchSharp;
using TransformerSharp.Models.Translator;
using TransformerSharp.Text;
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

    /// <summary>A translator from a checkpoint written by `translate train`.</summary>
    public static Translator Load(string path)
    {
        var (model, data) = TranslatorCheckpoint.Load(path);
        return new Translator(model, data);
    }

    /// <summary>D2L's preparation of one English sentence: preprocessed, split on spaces, &lt;eos&gt; appended (then BPE pieces).</summary>
    public string[] PrepareSource(string sentence)
    {
        string[] words = (TranslationCorpus.Preprocess(sentence.Trim(), Data.LowerCase) + " " + Vocabulary.Eos).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return Data.Subwords?.Split(words) ?? words;
    }

    /// <summary>
    /// Corpus BLEU and mean D2L bleu(k=2) of translations of English sentences against references. By default as
    /// sacreBLEU scores (the `bleu` command too): the output made readable (<see cref="TranslationCorpus.Postprocess"/>)
    /// against the references as given. <paramref name="normalised"/>: D2L's comparison, both sides lower-cased with
    /// punctuation split off. D2L's bleu(k=2) always compares normalised forms, as the book does.
    /// </summary>
    /// <param name="hypotheses">receives the translations as scored.</param>
    public (Evaluation.BleuScore score, double meanD2L) Evaluate(IReadOnlyList<string> english, IReadOnlyList<string> references, int beam,
                                                                  List<string>? hypotheses = null, bool normalised = false,
                                                                  double lengthPenalty = BeamSearch.DefaultLengthPenalty)
    {
        var output = Translate(english, beam, lengthPenalty: lengthPenalty);
        var normalisedReferences = references.Select(r => TranslationCorpus.Preprocess(r.Trim())).ToList();
        var scored = normalised ? output.Select(o => o.ToLowerInvariant()).ToList() : output.Select(TranslationCorpus.Postprocess).ToList();
        hypotheses?.AddRange(scored);
        var score = Evaluation.Bleu.Corpus(scored, new[] { normalised ? normalisedReferences : references });
        double meanD2L = output.Select((h, i) => h.Length == 0 ? 0 : Evaluation.Bleu.D2L(h, normalisedReferences[i], 2)).Average();
        return (score, meanD2L);
    }

    /// <summary>A beam of fewer than one hypothesis is an error naming the option (it used to fall back on greedy silently).</summary>
    public static void CheckBeam(int beam)
    {
        if (beam < 1) throw new UserError($"--beam must be at least 1 (1 decodes greedily), got {beam}");
    }

    /// <summary>Translates sentences (greedy when beam is 1), warning about unknown words and over-long inputs.</summary>
    /// <param name="lengthPenalty">GNMT's alpha for beam search (<see cref="BeamSearch"/>).</param>
    public List<string> Translate(IReadOnlyList<string> sentences, int beam = 1, Action<string>? warn = null,
                                  Action<int, IReadOnlyList<AttentionMap>>? onStep = null, double lengthPenalty = BeamSearch.DefaultLengthPenalty)
    {
        CheckBeam(beam);
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
                results.AddRange(GreedySearch.Decode(Model, src, lens, bos, eos, Data.NumSteps, onStep).Select(ToText));
            else
                for (int b = 0; b < part.Count; b++)
                    results.Add(ToText(BeamSearch.Decode(Model, src[TensorIndex.Slice(b, b + 1)], lens[TensorIndex.Slice(b, b + 1)], bos, eos, Data.NumSteps, beam, lengthPenalty)));
        }
        return results;
    }

    string ToText(int[] ids) => Data.Detokenize(ids.Select(Data.TargetVocab.ToToken));
}
