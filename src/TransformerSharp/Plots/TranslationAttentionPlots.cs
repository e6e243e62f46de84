using TransformerSharp.Models.Translator;
using TransformerSharp.Generation;
using TransformerSharp.Text;
using TransformerSharp.Torch;

namespace TransformerSharp.Plots;

/// <summary>Attention heatmaps of one translation: encoder self-attention per block and head, decoder cross-attention.</summary>
public static class TranslationAttentionPlots
{
    /// <summary>
    /// Translates the sentence greedily and writes one PNG per attention layer into the folder, with
    /// <paramref name="interactive"/> also an HTML heatmap of each (heads averaged, weights on hover); returns the paths.
    /// </summary>
    public static IReadOnlyList<string> Write(Translator translator, string sentence, string folder, bool interactive = false)
    {
        var written = new List<string>();
        var source = translator.PrepareSource(sentence).Take(translator.Data.NumSteps).ToList();
        var captured = new Dictionary<string, (AttentionKind kind, List<double[,]> steps)>();
        var output = translator.Translate(new[] { sentence }, 1, onStep: (step, maps) =>
        {
            foreach (var map in maps)
            {
                if (!captured.TryGetValue(map.Title, out var entry)) captured[map.Title] = entry = (map.Kind, new List<double[,]>());
                if (map.Kind == AttentionKind.EncoderSelf && step > 0) continue;     // the encoder runs once
                entry.steps.Add(TensorConvert.ToMatrix(map.Weights.reshape(-1, map.Weights.shape[^1])));
            }
        })[0];
        // The decoder's own tokens, one per step: subword pieces when the model has them.
        string[] words = output.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string[] target = translator.Data.Subwords is { } subwords ? Labels(subwords.Split(words).Append(Vocabulary.Eos)).ToArray()
                                                                   : words.Append(Vocabulary.Eos).ToArray();
        if (translator.Data.Subwords is not null) source = Labels(source).ToList();
        foreach (var (name, (kind, steps)) in captured)
        {
            int keys = source.Count;
            string file = Path.Combine(folder, string.Concat(name.Select(c => char.IsLetterOrDigit(c) ? c : '-')) + ".png");
            if (kind == AttentionKind.EncoderSelf)
            {
                // (heads · num_steps, num_steps): each head's square block, cut to the sentence's own tokens.
                var all = steps[0];
                int padded = all.GetLength(1), heads = all.GetLength(0) / padded;
                var maps = Enumerable.Range(0, heads).Select(h => Slice(all, h * padded, keys, keys)).ToList();
                AttentionHeatmap.SaveGrid(file, maps, maps.Select((_, h) => $"{name}, head {h + 1}").ToList(), "keys", "queries", source, source);
                if (interactive) written.Add(SaveHtml(file, Average(maps), $"{name} (heads averaged)", "keys", "queries", source, source));
            }
            else
            {
                // One row per generated token: average the heads of each step's single query.
                int rows = Math.Min(steps.Count, target.Length), heads = steps[0].GetLength(0);
                var matrix = new double[rows, keys];
                for (int r = 0; r < rows; r++)
                    for (int k = 0; k < keys; k++)
                        matrix[r, k] = Enumerable.Range(0, heads).Average(h => steps[r][h, k]);
                AttentionHeatmap.Save(file, matrix, $"{name} (heads averaged)", "English", "French", source, target.Take(rows).ToList());
                if (interactive) written.Add(SaveHtml(file, matrix, $"{name} (heads averaged)", "English", "French", source, target.Take(rows).ToList()));
            }
            written.Add(file);
        }
        return written;
    }

    /// <summary>Subword pieces as readers know them: the end-of-word mark dropped, a piece inside a word marked with "-".</summary>
    static IEnumerable<string> Labels(IEnumerable<string> tokens) => tokens.Select(t =>
        t.EndsWith(SubwordVocabulary.EndOfWord, StringComparison.Ordinal) ? t[..^SubwordVocabulary.EndOfWord.Length]
        : t.StartsWith('<') && t.EndsWith('>') ? t : t + "-");

    static string SaveHtml(string png, double[,] matrix, string title, string xLabel, string yLabel, IReadOnlyList<string> keys, IReadOnlyList<string> queries)
    {
        string html = Path.ChangeExtension(png, ".html");
        InteractiveCharts.SaveHeatmap(html, matrix, title, xLabel, yLabel, keys, queries);
        return html;
    }

    static double[,] Average(IReadOnlyList<double[,]> maps)
    {
        var mean = new double[maps[0].GetLength(0), maps[0].GetLength(1)];
        foreach (var map in maps)
            for (int r = 0; r < mean.GetLength(0); r++) for (int c = 0; c < mean.GetLength(1); c++) mean[r, c] += map[r, c] / maps.Count;
        return mean;
    }

    static double[,] Slice(double[,] m, int rowStart, int rows, int cols)
    {
        var result = new double[rows, cols];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) result[r, c] = m[rowStart + r, c];
        return result;
    }
}
