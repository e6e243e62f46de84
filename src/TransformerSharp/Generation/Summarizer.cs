using TorchSharp;
using TransformerSharp.Models.T5;
using TransformerSharp.Text;
using static TorchSharp.torch;

namespace TransformerSharp.Generation;

/// <summary>
/// A trained T5 from one checkpoint, writing text from text: a summary after fine-tuning ("summarize: " is added),
/// or, from a pretrained-only checkpoint, the spans behind the sentinels of a corrupted input.
/// </summary>
public sealed class Summarizer(T5 model, T5Tokenizer tokenizer, T5TextSettings text)
{
    public T5 Model => model;
    public T5Tokenizer Tokenizer => tokenizer;
    public T5TextSettings Text => text;

    public static Summarizer Load(string path)
    {
        var (model, tokenizer, text, _) = T5Checkpoint.Load(path);
        return new Summarizer(model, tokenizer, text);
    }

    /// <summary>A T5 from a Hugging Face directory (written by `export`), its prefix and lengths from its config's task_specific_params.</summary>
    public static Summarizer LoadPretrained(string folder)
    {
        var (model, tokenizer, text) = T5HuggingFace.Load(folder);
        return new Summarizer(model, tokenizer, text);
    }

    /// <summary>Outputs for the inputs, in their order: greedy in batches when beam is 1, else beam search one input at a time.</summary>
    public List<string> Generate(IReadOnlyList<string> inputs, T5Decoding decoding, Action<string>? warn = null, Action<int>? done = null)
    {
        decoding.Validate();
        var sources = new int[inputs.Count][];
        for (int i = 0; i < inputs.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(inputs[i])) throw new UserError($"input {i + 1} has no text");
            sources[i] = tokenizer.EncodeSource(text.Prefix, inputs[i], text.MaxSourceLength, out bool cut);
            if (cut) warn?.Invoke($"input {i + 1} is longer than the model's {text.MaxSourceLength} tokens: the rest is cut");
        }
        var outputs = new string[inputs.Count];
        Func<int, bool>? endsWord = decoding.NoRepeatUnit == NgramUnit.Token ? null
            : tokenizer.EndsWord ?? throw new UserError($"--no-repeat-unit word needs a tokenizer that marks where words end; {tokenizer.Kind} marks where they start");
        var rules = new TokenRules(decoding.NoRepeatNgramSize, endsWord, decoding.RepetitionPenalty, decoding.EncoderRepetitionPenalty,
                                   TokenizerSize: model.Config.VocabSize > tokenizer.VocabSize ? tokenizer.VocabSize : 0);
        int start = model.Config.DecoderStartTokenId, eos = model.Config.EosTokenId;
        // Similar lengths together, so that greedy batches carry little padding.
        var order = Enumerable.Range(0, inputs.Count).OrderBy(i => sources[i].Length).ToList();
        int chunk = decoding.Beam == 1 ? 32 : 1;
        foreach (var part in order.Chunk(chunk))
        {
            using var scope = NewDisposeScope();
            var (source, lens, _, _) = Training.Seq2SeqBatches.Make(part.Select(i => (sources[i], new[] { eos })).ToList(), T5Tokenizer.PadId, start);
            var ids = decoding.Beam == 1
                ? GreedySearch.Decode(model, source, lens, start, eos, decoding.MaxLength, rules: rules)
                : new List<int[]> { BeamSearch.Decode(model, source, lens, start, eos, decoding.MaxLength, decoding.Beam, decoding.LengthPenalty, rules) };
            for (int j = 0; j < part.Length; j++) outputs[part[j]] = tokenizer.Decode(ids[j]);
            done?.Invoke(part.Length);
        }
        return outputs.ToList();
    }
}
