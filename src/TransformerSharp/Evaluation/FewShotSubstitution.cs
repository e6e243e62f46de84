using System.Text;
using System.Text.Json.Nodes;
using TorchSharp;
using TransformerSharp.Generation;
using TransformerSharp.Models;
using TransformerSharp.Text;
using TransformerSharp.Training;
using static TorchSharp.torch;

namespace TransformerSharp.Evaluation;

/// <summary>
/// In-context learning made visible. Every sequence uses a freshly drawn random substitution of the letters a–h by
/// the capitals A–H, written as demonstrations "c>F;a>H;" followed by a query "e>". The answer can only come from
/// the demonstrations in the prompt: with none the model can only guess (1 in 8), and the more letters the prompt
/// demonstrates, the more queries it can answer.
/// </summary>
public static class FewShotSubstitution
{
    public const string Letters = "abcdefgh", Capitals = "ABCDEFGH";
    public const string Vocabulary = Letters + Capitals + ">;";
    public const int PairsPerTrainingSequence = 15;          // 15 pairs × 4 characters = 60 = context − 4 spare
    public static readonly GptConfig ModelConfig = new(Layers: 2, Heads: 4, Width: 128, Context: 64, VocabSize: Vocabulary.Length);

    public static CharTokenizer Tokenizer { get; } = new(Vocabulary);

    static char[] RandomMapping(Random random) => Capitals.OrderBy(_ => random.Next()).ToArray();

    /// <summary>The prompt for a query after the given demonstrations, e.g. "c>F;a>H;e>".</summary>
    public static string Prompt(IEnumerable<(char source, char target)> demonstrations, char query)
    {
        var builder = new StringBuilder();
        foreach (var (s, t) in demonstrations) builder.Append(s).Append('>').Append(t).Append(';');
        return builder.Append(query).Append('>').ToString();
    }

    /// <summary>A training sequence: pairs drawn with replacement, so later pairs repeat earlier sources. Loss only on targets.</summary>
    public static (long[] input, long[] target) TrainingSequence(Random random)
    {
        char[] mapping = RandomMapping(random);
        var text = new StringBuilder();
        for (int i = 0; i < PairsPerTrainingSequence; i++)
        {
            int source = random.Next(Letters.Length);
            text.Append(Letters[source]).Append('>').Append(mapping[source]).Append(';');
        }
        int[] ids = Tokenizer.Encode(text.ToString());
        long[] input = ids[..^1].Select(i => (long)i).ToArray();
        long[] target = new long[input.Length];
        for (int t = 0; t < input.Length; t++)
            target[t] = t % 4 == 1 ? ids[t + 1] : -100;       // after "x>" comes the answer; nothing else is learnable
        return (input, target);
    }

    /// <summary>Exact-match accuracy of greedy answers on fresh mappings, for each number of demonstrations.</summary>
    public static IReadOnlyList<(int shots, double accuracy)> Evaluate(Gpt model, IReadOnlyList<int> shotCounts, int trials, long seed)
    {
        var results = new List<(int, double)>();
        foreach (int shots in shotCounts)
        {
            if (shots > Letters.Length) throw new ArgumentException($"at most {Letters.Length} demonstrations fit this task (distinct letters), got {shots}");
            var random = new Random((int)(seed * 31 + shots));
            int correct = 0;
            for (int trial = 0; trial < trials; trial++)
            {
                char[] mapping = RandomMapping(random);
                var demos = Letters.Select((c, i) => (c, mapping[i])).OrderBy(_ => random.Next()).Take(shots).ToList();
                int queryIndex = random.Next(Letters.Length);
                string prompt = Prompt(demos, Letters[queryIndex]);
                var answer = TextGenerator.GenerateIds(model, Tokenizer.Encode(prompt), new SamplingOptions(MaxNewTokens: 1, Temperature: 0));
                if (Tokenizer.Decode(answer)[0] == mapping[queryIndex]) correct++;
            }
            results.Add((shots, (double)correct / trials));
        }
        return results;
    }

    /// <summary>Training task over freshly generated sequences; each step's batch depends on (seed, step) only.</summary>
    public sealed class Task(Gpt model, int batchSize, long seed) : ITrainingTask
    {
        public string Kind => "gpt";
        public nn.Module Model => model;
        public long TokensPerBatch => (long)batchSize * (PairsPerTrainingSequence * 4 - 1);
        public Tensor TrainingLoss(long step, int micro) => BatchLoss(new Random((int)((seed * 1_000_003 + step * 7919 + micro) % int.MaxValue)));
        public double EvaluationLoss(string split)
        {
            var random = new Random(split == "train" ? (int)seed + 1 : (int)seed + 2);
            double total = 0;
            for (int i = 0; i < 4; i++) { using var scope = NewDisposeScope(); total += BatchLoss(random).item<float>(); }
            return total / 4;
        }
        public JsonObject Describe() => GptCheckpoint.Describe(model.Config, Tokenizer);

        Tensor BatchLoss(Random random)
        {
            var rows = Enumerable.Range(0, batchSize).Select(_ => TrainingSequence(random)).ToList();
            int length = rows[0].input.Length;
            Tensor x = tensor(rows.SelectMany(r => r.input).ToArray()).reshape(batchSize, length);
            Tensor y = tensor(rows.SelectMany(r => r.target).ToArray()).reshape(batchSize, length);
            return model.Loss(x, y);
        }
    }
}
