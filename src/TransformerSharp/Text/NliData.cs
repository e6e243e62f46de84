using System.Text.Json;

namespace TransformerSharp.Text;

/// <summary>A premise, a hypothesis and the gold label: 0 entailment, 1 neutral, 2 contradiction.</summary>
public sealed record NliPair(string Premise, string Hypothesis, int Label);

/// <summary>NLI pairs as JSON lines {"premise", "hypothesis", "label"} (the SNLI/MultiNLI dev files in ../shared/data/nli).</summary>
public static class NliData
{
    public static readonly string[] Labels = { "entailment", "neutral", "contradiction" };

    public static List<NliPair> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        var pairs = new List<NliPair>();
        int lineNumber = 0;
        foreach (string line in TextFiles.ReadLinesUtf8(path))
        {
            lineNumber++;
            if (line.Trim().Length == 0) continue;
            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                string premise = root.GetProperty("premise").GetString() ?? "", hypothesis = root.GetProperty("hypothesis").GetString() ?? "";
                string label = root.GetProperty("label").GetString() ?? "";
                int index = Array.IndexOf(Labels, label);
                if (index < 0) throw new InvalidDataException($"label '{label}' is not one of {string.Join(", ", Labels)}");
                if (premise.Trim().Length == 0 || hypothesis.Trim().Length == 0) throw new InvalidDataException("empty premise or hypothesis");
                pairs.Add(new NliPair(premise, hypothesis, index));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidDataException or InvalidOperationException)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: {e.Message}", e);
            }
        }
        if (pairs.Count == 0) throw new InvalidDataException($"{path}: no pairs");
        return pairs;
    }

    /// <summary>A seeded split into train and test parts.</summary>
    public static (List<NliPair> train, List<NliPair> test) Split(IReadOnlyList<NliPair> pairs, double testFraction, long seed)
    {
        var random = new Random((int)(seed % int.MaxValue));
        var order = pairs.OrderBy(_ => random.Next()).ToList();
        int test = (int)(order.Count * testFraction);
        return (order.Skip(test).ToList(), order.Take(test).ToList());
    }

    /// <summary>The accuracy of always answering the training set's most common label.</summary>
    public static double MajorityBaseline(IReadOnlyList<NliPair> train, IReadOnlyList<NliPair> test)
    {
        int majority = train.GroupBy(p => p.Label).OrderByDescending(g => g.Count()).First().Key;
        return test.Count(p => p.Label == majority) / (double)test.Count;
    }
}
