using TransformerSharp.Text;

namespace TransformerSharp.Training;

/// <summary>
/// The data half of a translator recipe. Split "d2l": D2L's first 512 + 128 pairs; "full": every pair with a seeded
/// held-out validation and test split. NumSteps 0 takes the 99th percentile of lengths; SubwordMerges &gt; 0 uses BPE.
/// </summary>
public sealed record TranslationDataSettings(string Split, int NumSteps = 0, int MinFreq = 2, int SubwordMerges = 0, bool BucketByLength = false,
                                             bool LowerCase = true)
{
    public const string D2LSplit = "d2l", FullSplit = "full";

    public TranslationSplits Prepare(string rawText, long seed, string name) => Split switch
    {
        D2LSplit when SubwordMerges > 0 => throw new UserError("--subwords goes with --preset full (the d2l preset is D2L's word vocabulary)"),
        D2LSplit when !LowerCase => throw new UserError("the d2l preset lower-cases, as the book does"),
        D2LSplit => TranslationSetup.D2L(rawText, numSteps: NumSteps, name: name),
        FullSplit => TranslationSetup.Full(rawText, seed, numSteps: NumSteps > 0 ? NumSteps : null, minFreq: MinFreq,
                                           subwordMerges: SubwordMerges > 0 ? SubwordMerges : null, lowerCase: LowerCase, name: name),
        _ => throw new UserError($"unknown data split '{Split}': use {D2LSplit} or {FullSplit}"),
    };
}

/// <summary>The pairs, vocabularies and splits a translator trains on, and how many lines were skipped.</summary>
public sealed record TranslationSplits(TranslationData Data, int[] Train, int[] Valid, int[] Test, int Skipped);

/// <summary>
/// The two data recipes. "d2l": D2L's MTFraEng exactly — num_steps 9, the first 512 pairs for training and the rest of
/// the 641 pairs D2L reads (its loop stops after line index 640: an off-by-one we copy) for validation.
/// "full": every pair, a seeded 2,000/2,000 validation/test split, num_steps from the 99th percentile of lengths,
/// vocabularies from the training split only, words seen at least 5 times (with 2, the French vocabulary has 17,493
/// words and its output layer dominates the step time).
/// </summary>
public static class TranslationSetup
{
    public static TranslationSplits D2L(string rawText, int numTrain = 512, int numValid = 128, int numSteps = 9, string name = "the corpus")
    {
        var (pairs, skipped) = TranslationCorpus.Tokenize(TranslationCorpus.Preprocess(rawText), numTrain + numValid, name);
        var (source, target) = TranslationData.BuildVocabularies(pairs, numSteps);
        var data = new TranslationData(pairs, source, target, numSteps);
        int train = Math.Min(numTrain, pairs.Count);
        return new TranslationSplits(data, Enumerable.Range(0, train).ToArray(), Enumerable.Range(train, pairs.Count - train).ToArray(),
                                     Array.Empty<int>(), skipped);
    }

    /// <param name="subwordMerges">when set, sentences become BPE pieces learned from the training split (both
    /// languages together) and source and target share one vocabulary.</param>
    public static TranslationSplits Full(string rawText, long seed, int validCount = 2000, int testCount = 2000, int? numSteps = null,
                                         int minFreq = 5, int? subwordMerges = null, bool lowerCase = true, string name = "the corpus")
    {
        var (pairs, skipped) = TranslationCorpus.Tokenize(TranslationCorpus.Preprocess(rawText, lowerCase), source: name);
        if (pairs.Count <= validCount + testCount)
            throw new InvalidDataException($"the corpus has {pairs.Count} pairs; the full preset needs more than {validCount + testCount}");
        var random = new Random((int)(seed % int.MaxValue));
        int[] order = Enumerable.Range(0, pairs.Count).OrderBy(_ => random.Next()).ToArray();
        int[] test = order[..testCount], valid = order[testCount..(testCount + validCount)], train = order[(testCount + validCount)..];
        SubwordVocabulary? subwords = null;
        if (subwordMerges is int merges)
        {
            subwords = SubwordVocabulary.Learn(train.SelectMany(i => new[] { pairs[i].Source, pairs[i].Target }), merges);
            pairs = pairs.Select(p => new SentencePair(subwords.Split(p.Source), subwords.Split(p.Target), p.Line)).ToList();
        }
        int steps = numSteps ?? Percentile(train.Select(i => Math.Max(pairs[i].Source.Length, pairs[i].Target.Length)), 0.99);
        var (source, target) = TranslationData.BuildVocabularies(train.Select(i => pairs[i]), steps, subwords is null ? minFreq : 1);
        if (subwords is not null)
        {
            // One vocabulary for both sides, so embeddings can be shared.
            var reserved = new[] { Vocabulary.Pad, Vocabulary.Bos, Vocabulary.Eos, Vocabulary.Unk };
            source = target = new Vocabulary(train.SelectMany(i => new[] { pairs[i].Source, pairs[i].Target }), 1, reserved);
        }
        return new TranslationSplits(new TranslationData(pairs, source, target, steps) { Subwords = subwords, LowerCase = lowerCase }, train, valid, test, skipped);
    }

    static int Percentile(IEnumerable<int> values, double q)
    {
        int[] sorted = values.OrderBy(v => v).ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
    }
}
