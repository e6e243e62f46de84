namespace TransformerSharp.Text;

/// <summary>
/// T5's pretraining objective (D2L 11.9, Raffel et al. 2020 §3.1.4), as T5's reference preprocessing does it: about
/// 15 % of the tokens, in spans averaging 3 tokens, are dropped from the input, each span replaced by one sentinel
/// (&lt;extra_id_0&gt;, &lt;extra_id_1&gt;, … counting down from the end of the vocabulary); the target lists each
/// sentinel followed by the tokens it hid. "I love this red car" → "I &lt;X&gt; this &lt;Y&gt;" and
/// "&lt;X&gt; love &lt;Y&gt; red car &lt;Z&gt;".
/// </summary>
public static class SpanCorruption
{
    public const double NoiseDensity = 0.15, MeanNoiseSpanLength = 3.0;

    /// <summary>
    /// T5's random_spans_noise_mask: which of <paramref name="length"/> tokens are noise. Noise and non-noise tokens
    /// are each split into the same number of non-empty spans at random, interleaved starting with non-noise.
    /// </summary>
    public static bool[] NoiseMask(int length, Random random, double noiseDensity = NoiseDensity, double meanSpanLength = MeanNoiseSpanLength)
    {
        int originalLength = length;
        length = Math.Max(length, 2);
        int noiseTokens = Math.Clamp((int)Math.Round(length * noiseDensity), 1, length - 1);
        int spans = Math.Max((int)Math.Round(noiseTokens / meanSpanLength), 1);
        int nonNoiseTokens = length - noiseTokens;
        // T5 assumes enough tokens of each kind for the spans; very short or very dense inputs get fewer spans.
        spans = Math.Min(spans, Math.Min(noiseTokens, nonNoiseTokens));
        int[] noiseLengths = RandomSegmentation(noiseTokens, spans, random);
        int[] nonNoiseLengths = RandomSegmentation(nonNoiseTokens, spans, random);
        var mask = new bool[length];
        int position = 0;
        for (int s = 0; s < spans; s++)
        {
            position += nonNoiseLengths[s];
            for (int i = 0; i < noiseLengths[s]; i++) mask[position++] = true;
        }
        return mask[..originalLength];
    }

    /// <summary>Splits <paramref name="items"/> into <paramref name="segments"/> non-empty runs, uniformly at random; their lengths.</summary>
    static int[] RandomSegmentation(int items, int segments, Random random)
    {
        // A shuffled row of items − 1 gaps, segments − 1 of them marked: each marked gap starts a new segment.
        var starts = new bool[items - 1];
        for (int i = 0; i < segments - 1; i++) starts[i] = true;
        random.Shuffle(starts);
        var lengths = new int[segments];
        int segment = 0;
        lengths[0] = 1;
        foreach (bool start in starts)
        {
            if (start) segment++;
            lengths[segment]++;
        }
        return lengths;
    }

    /// <summary>
    /// T5's noise_span_to_unique_sentinel: each run of masked tokens becomes one sentinel (the first run
    /// vocabSize − 1, the next vocabSize − 2, …); the other tokens stay.
    /// </summary>
    public static int[] SpansToSentinels(IReadOnlyList<int> tokens, IReadOnlyList<bool> mask, int vocabSize)
    {
        if (tokens.Count != mask.Count) throw new ArgumentException($"{tokens.Count} tokens but a mask of {mask.Count}");
        var output = new List<int>(tokens.Count);
        int sentinel = vocabSize - 1;
        for (int i = 0; i < tokens.Count; i++)
        {
            if (!mask[i]) output.Add(tokens[i]);
            else if (i == 0 || !mask[i - 1]) output.Add(sentinel--);
        }
        return output.ToArray();
    }

    /// <summary>One corruption of a token sequence: the encoder's inputs and the decoder's targets, each ended by &lt;/s&gt;.</summary>
    public static (int[] inputs, int[] targets) Corrupt(IReadOnlyList<int> tokens, int vocabSize, int eosId, Random random,
                                                        double noiseDensity = NoiseDensity, double meanSpanLength = MeanNoiseSpanLength)
    {
        bool[] mask = NoiseMask(tokens.Count, random, noiseDensity, meanSpanLength);
        bool[] inverse = mask.Select(m => !m).ToArray();
        return (SpansToSentinels(tokens, mask, vocabSize).Append(eosId).ToArray(), SpansToSentinels(tokens, inverse, vocabSize).Append(eosId).ToArray());
    }

    /// <summary>
    /// T5's random_spans_helper: how many raw tokens to corrupt so the inputs (with sentinels and &lt;/s&gt;) come to
    /// at most <paramref name="inputsLength"/>, and the resulting targets' length.
    /// </summary>
    public static (int tokensLength, int targetsLength) Lengths(int inputsLength, double noiseDensity = NoiseDensity, double meanSpanLength = MeanNoiseSpanLength)
    {
        (int inputs, int targets) After(int tokens)
        {
            int noise = (int)Math.Round(tokens * noiseDensity);
            int spans = (int)Math.Round(noise / meanSpanLength);
            return (tokens - noise + spans + 1, noise + spans + 1);
        }
        int tokensLength = inputsLength - 1;
        while (After(tokensLength + 1).inputs <= inputsLength) tokensLength++;
        int targetsLength = After(tokensLength).targets;
        // T5 trims one token at density 0.5 so that the targets are not longer than the inputs.
        if (noiseDensity == 0.5 && targetsLength > inputsLength) { tokensLength--; targetsLength--; }
        return (tokensLength, targetsLength);
    }
}
