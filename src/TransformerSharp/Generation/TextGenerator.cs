using TorchSharp;
using TransformerSharp.Attention;
using TransformerSharp.Models.Gpt;
using TransformerSharp.Text;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Generation;

/// <summary>How to pick each next token. Temperature 0 is greedy; top-k and top-p (nucleus) restrict sampling.</summary>
public sealed record SamplingOptions(int MaxNewTokens = 200, double Temperature = 1.0, int? TopK = null, double? TopP = null,
                                     long Seed = 0, IReadOnlyList<string>? StopStrings = null, bool UseCache = true)
{
    /// <summary>Refuses values no sampler can use, naming the CLI option and its range.</summary>
    public void Validate()
    {
        if (MaxNewTokens < 1) throw new UserError($"--max-new-tokens must be at least 1, got {MaxNewTokens}");
        if (!double.IsFinite(Temperature) || Temperature < 0) throw new UserError($"--temperature must be 0 (greedy) or more, got {Temperature}");
        if (TopK is < 1 and var k) throw new UserError($"--top-k must be at least 1, got {k}");
        if (TopP is { } p && !(p > 0 && p <= 1)) throw new UserError($"--top-p must be in (0, 1], got {p}");
    }
}

/// <summary>Autoregressive generation from a GPT, optionally with a key/value cache, streaming text as it comes.</summary>
public static class TextGenerator
{
    /// <summary>Generates token ids after the prompt. onToken sees each id as it is chosen; warn hears about cropping.</summary>
    public static List<int> GenerateIds(Models.Gpt.Gpt model, IReadOnlyList<int> prompt, SamplingOptions options,
                                        Func<int, bool>? onToken = null, Action<string>? warn = null)
    {
        options.Validate();
        if (prompt.Count == 0) throw new UserError("the prompt has no tokens: give at least one character or word");
        int context = model.Config.MaxPositions;
        var tokens = new List<int>(prompt);
        if (tokens.Count > context)
        {
            warn?.Invoke($"the prompt has {tokens.Count} tokens, more than the context of {context}: keeping the last {context}");
            tokens = tokens.GetRange(tokens.Count - context, context);
        }
        model.eval();
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)options.Seed);
        using KeyValueCache? cache = options.UseCache ? model.NewCache() : null;
        var generated = new List<int>();
        for (int i = 0; i < options.MaxNewTokens; i++)
        {
            using var scope = NewDisposeScope();
            Tensor logits;
            if (cache is not null && cache.Length > 0 && tokens.Count <= context)
                logits = model.forward(tensor(new long[] { tokens[^1] }).reshape(1, 1), cache);    // only the new token
            else
            {
                // First step, or past the context: positions shift, so recompute over the last `context` tokens.
                cache?.Clear();
                var window = tokens.Skip(Math.Max(0, tokens.Count - context)).Select(t => (long)t).ToArray();
                logits = model.forward(tensor(window).reshape(1, -1), tokens.Count <= context ? cache : null);
            }
            int next = Choose(logits[0, -1], options, generator);
            tokens.Add(next);
            generated.Add(next);
            if (onToken != null && !onToken(next)) break;
        }
        return generated;
    }

    /// <summary>Generates text after the prompt, stopping at a stop string (which is not included).</summary>
    public static string Generate(Models.Gpt.Gpt model, ITokenizer tokenizer, string prompt, SamplingOptions options,
                                  Action<string>? onText = null, Action<string>? warn = null)
    {
        var ids = new List<int>();
        string emitted = "";
        string? stopped = null;
        GenerateIds(model, tokenizer.Encode(prompt), options, id =>
        {
            ids.Add(id);
            string text = tokenizer.Decode(ids);
            int cut = FirstStop(text, options.StopStrings);
            if (cut >= 0) stopped = text[..cut];
            string visible = stopped ?? text;
            // Hold back a partial UTF-8 sequence (BPE can split a character across tokens).
            if (!visible.EndsWith('\uFFFD') && visible.Length > emitted.Length && visible.StartsWith(emitted, StringComparison.Ordinal))
            {
                onText?.Invoke(visible[emitted.Length..]);
                emitted = visible;
            }
            return stopped is null;
        }, warn);
        return stopped ?? tokenizer.Decode(ids);
    }

    static int FirstStop(string text, IReadOnlyList<string>? stops)
    {
        if (stops is null) return -1;
        int best = -1;
        foreach (string stop in stops.Where(s => s.Length > 0))
        {
            int at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (best < 0 || at < best)) best = at;
        }
        return best;
    }

    /// <summary>Picks the next token from logits (vocab): greedy, or sampled after temperature, top-k and top-p.</summary>
    public static int Choose(Tensor logits, SamplingOptions options, Generator generator)
    {
        if (options.Temperature <= 0) return (int)logits.argmax().item<long>();
        Tensor scaled = logits.to(ScalarType.Float64) / options.Temperature;
        if (options.TopK is int k && k > 0 && k < scaled.shape[0])
        {
            double kth = scaled.topk(k).values[-1].item<double>();
            scaled = scaled.Fill(scaled.lt(kth), double.NegativeInfinity);
        }
        Tensor probabilities = scaled.softmax(0);
        if (options.TopP is double p && p > 0 && p < 1)
        {
            var (sorted, order) = probabilities.sort(descending: true);
            // Keep the smallest prefix whose mass reaches p: drop a token if the mass before it already does.
            Tensor before = sorted.cumsum(0) - sorted;
            Tensor drop = before.ge(p);
            Tensor keep = zeros_like(probabilities).scatter(0, order, drop.logical_not().to(ScalarType.Float64));
            probabilities = probabilities * keep;
            probabilities = probabilities / probabilities.sum();
        }
        return (int)probabilities.multinomial(1, generator: generator).item<long>();
    }
}
