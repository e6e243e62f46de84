namespace TransformerSharp.Generation;

/// <summary>
/// What decoding does to a row's next-token scores before it chooses, as Hugging Face's logits processors do:
/// no_repeat_ngram_size (in tokens, or in words when EndsWord is given, see <see cref="Generation.NoRepeatNgram"/>);
/// repetition_penalty (CTRL): a token already written has its score divided by the penalty when positive and
/// multiplied by it when negative; encoder_repetition_penalty: the same with 1 / penalty for the tokens of the row's
/// source, so that a penalty above 1 favours words of the input. Hugging Face applies them to logits in greedy
/// decoding and to log-probabilities in beam search; so do we. Its lists also hold the decoder's start token and the
/// batch's padding; ours hold only the written tokens and the row's own source, so a row's output does not depend on
/// the rows batched with it. TokenizerSize (0: every id): ids from it on are never chosen, as the rows t5-small's
/// embedding holds beyond its tokenizer's pieces (32,128 against 32,100), which no tokenizer could decode.
/// </summary>
public sealed record TokenRules(int NoRepeatNgram = 0, Func<int, bool>? EndsWord = null, double RepetitionPenalty = 1.0, double EncoderRepetitionPenalty = 1.0,
                                int TokenizerSize = 0)
{
    public static readonly TokenRules None = new();

    /// <summary>Whether any rule changes a score (when none does, decoding keeps its tensor-only path).</summary>
    public bool Active => NoRepeatNgram > 0 || RepetitionPenalty != 1.0 || EncoderRepetitionPenalty != 1.0 || TokenizerSize > 0;

    /// <summary>Whether the rules need each row's source tokens.</summary>
    public bool UsesSource => EncoderRepetitionPenalty != 1.0;

    /// <summary>Adjusts one row's scores (vocab entries) in place, given what it has written and its source tokens.</summary>
    public void Apply(Span<float> scores, IReadOnlyList<int> written, IReadOnlySet<int>? source = null)
    {
        if (UsesSource && source is not null) Scale(scores, source, 1.0 / EncoderRepetitionPenalty);
        if (RepetitionPenalty != 1.0) Scale(scores, written.ToHashSet(), RepetitionPenalty);
        foreach (int v in Generation.NoRepeatNgram.Banned(written, NoRepeatNgram, EndsWord)) scores[v] = float.NegativeInfinity;
        if (TokenizerSize > 0 && TokenizerSize < scores.Length) scores[TokenizerSize..].Fill(float.NegativeInfinity);
    }

    /// <summary>Each token once, however often it occurs (Hugging Face gathers and scatters one value per id).</summary>
    static void Scale(Span<float> scores, IEnumerable<int> tokens, double penalty)
    {
        foreach (int t in tokens)
        {
            if (t < 0 || t >= scores.Length) continue;
            float s = scores[t];
            scores[t] = s < 0 ? (float)(s * penalty) : (float)(s / penalty);
        }
    }
}
