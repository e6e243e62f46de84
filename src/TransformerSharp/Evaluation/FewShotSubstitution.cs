using System.Text;
using System.Text.Json.Nodes;
using TorchSharp;
using TransformerSharp.Generation;
using TransformerSharp.Models.Gpt;
using TransformerSharp.Text;
using TransformerSharp.Training;
using static TorchSharp.torch;

namespace TransformerSharp.Evaluation;

/// <summary>
/// In-context learning made visible. Every sequence uses a freshly drawn random substitution of the letters a–h by
/// the capitals A–H, shown as demonstrations "c>F;a>H;" and then a query "e>". The answer can only come from the
/// demonstrations in the prompt: with none the model can only guess (1 in 8), and the more letters the prompt
/// demonstrates, the more queries it can answer.
/// </summary>
public static class FewShotSubstitution
{
    public const int ItemsPerTrainingSequence = 40;
    public static SubstitutionTokenizer Tokenizer { get; } = new();

    static int[] RandomMapping(Random random) => Enumerable.Range(0, 8).OrderBy(_ => random.Next()).ToArray();

    /// <summary>The prompt for a query after the given demonstrations, e.g. "c>F;a>H;e>".</summary>
    public static string Prompt(IEnumerable<(char source, char target)> demonstrations, char query)
    {
        var builder = new StringBuilder();
        foreach (var (s, t) in demonstrations) builder.Append(s).Append('>').Append(t).Append(';');
        return builder.Append(query).Append('>').ToString();
    }

    /// <summary>
    /// A training sequence under one fresh mapping: demonstrations, each followed with some chance by a query on a
    /// random letter and its answer. Only answers carry loss; those whose letter was not yet shown are guesses.
    /// </summary>
    public static (long[] input, long[] target) TrainingSequence(Random random, int length)
    {
        int[] mapping = RandomMapping(random);
        var ids = new List<int>();
        var isAnswer = new List<bool>();
        while (ids.Count < length + 1)
        {
            int source = random.Next(8);
            if (random.NextDouble() < 0.5) { ids.Add(SubstitutionTokenizer.Pair(source, mapping[source])); isAnswer.Add(false); }
            else
            {
                ids.Add(SubstitutionTokenizer.Query(source)); isAnswer.Add(false);
                ids.Add(SubstitutionTokenizer.Answer(mapping[source])); isAnswer.Add(true);
            }
        }
        long[] input = ids.Take(length).Select(i => (long)i).ToArray();
        long[] target = Enumerable.Range(0, length).Select(t => isAnswer[t + 1] ? (long)ids[t + 1] : -100L).ToArray();
        return (input, target);
    }

    /// <summary>
    /// The accuracy of an ideal in-context learner with k demonstrations: it answers every demonstrated letter and
    /// guesses among the capitals not yet used otherwise.
    /// </summary>
    public static double IdealAccuracy(int shots) => shots / 8.0 + (1 - shots / 8.0) / Math.Max(1, 8 - shots);

    /// <summary>Exact-match accuracy of greedy answers on fresh mappings, for each number of demonstrations.</summary>
    public static IReadOnlyList<(int shots, double accuracy)> Evaluate(Models.Gpt.Gpt model, IReadOnlyList<int> shotCounts, int trials, long seed,
                                                                   CancellationToken cancel = default) =>
        Evaluate(shotCounts, trials, seed, cancel, (prompt, capital) =>
            TextGenerator.GenerateIds(model, Tokenizer.Encode(prompt), new SamplingOptions(MaxNewTokens: 1, Temperature: 0))[0] == SubstitutionTokenizer.Answer(capital));

    /// <summary>
    /// The same prompts as plain text for a GPT with a text tokenizer (GPT-2 from a Hugging Face directory): the answer
    /// is the first character it writes greedily, after any spaces.
    /// </summary>
    public static IReadOnlyList<(int shots, double accuracy)> EvaluateText(Models.Gpt.Gpt model, ITokenizer tokenizer, IReadOnlyList<int> shotCounts, int trials,
                                                                       long seed, CancellationToken cancel = default) =>
        Evaluate(shotCounts, trials, seed, cancel, (prompt, capital) =>
        {
            var ids = TextGenerator.GenerateIds(model, tokenizer.Encode(prompt), new SamplingOptions(MaxNewTokens: 2, Temperature: 0));
            string answer = tokenizer.Decode(ids).TrimStart();
            return answer.Length > 0 && answer[0] == SubstitutionTokenizer.Capitals[capital];
        });

    /// <summary>For each number of shots, the share of trials (fresh mapping, demonstrations, query) that <paramref name="correct"/> accepts.</summary>
    static IReadOnlyList<(int shots, double accuracy)> Evaluate(IReadOnlyList<int> shotCounts, int trials, long seed, CancellationToken cancel,
                                                              Func<string, int, bool> correct)
    {
        var results = new List<(int, double)>();
        foreach (int shots in shotCounts)
        {
            if (shots is < 0 or > 8) throw new UserError($"this task has 8 letters: 0 to 8 demonstrations, got {shots}");
            var random = new Random((int)(seed * 31 + shots));
            int right = 0;
            for (int trial = 0; trial < trials; trial++)
            {
                cancel.ThrowIfCancellationRequested();
                int[] mapping = RandomMapping(random);
                var demos = Enumerable.Range(0, 8).OrderBy(_ => random.Next()).Take(shots)
                                      .Select(s => (SubstitutionTokenizer.Letters[s], SubstitutionTokenizer.Capitals[mapping[s]])).ToList();
                int query = random.Next(8);
                if (correct(Prompt(demos, SubstitutionTokenizer.Letters[query]), mapping[query])) right++;
            }
            results.Add((shots, (double)right / trials));
        }
        return results;
    }

    /// <summary>Training task over freshly generated sequences; each step's batch depends on (seed, step) only.</summary>
    public sealed class Task(Models.Gpt.Gpt model, int batchSize, long seed) : ITrainingTask
    {
        public string Kind => GptCheckpoint.Kind;
        public nn.Module Model => model;
        public long TokensPerBatch => (long)batchSize * ItemsPerTrainingSequence;
        public Tensor TrainingLoss(long step, int micro) => BatchLoss(Trainer.StepRandom(seed, step, micro));
        public double EvaluationLoss(string split, CancellationToken cancel)
        {
            var random = new Random(split == "train" ? (int)seed + 1 : (int)seed + 2);
            double total = 0;
            for (int i = 0; i < 4; i++) { cancel.ThrowIfCancellationRequested(); using var scope = NewDisposeScope(); total += BatchLoss(random).item<float>(); }
            return total / 4;
        }
        public JsonObject Describe() => GptCheckpoint.Describe(model.Config, Tokenizer);

        Tensor BatchLoss(Random random)
        {
            var rows = Enumerable.Range(0, batchSize).Select(_ => TrainingSequence(random, ItemsPerTrainingSequence)).ToList();
            Tensor x = tensor(rows.SelectMany(r => r.input).ToArray()).reshape(batchSize, ItemsPerTrainingSequence);
            Tensor y = tensor(rows.SelectMany(r => r.target).ToArray()).reshape(batchSize, ItemsPerTrainingSequence);
            return model.Loss(x, y);
        }
    }
}
