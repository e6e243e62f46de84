namespace TransformerSharp.Text;

/// <summary>A named body of text to pretrain on, as documents (paragraphs or dialogues).</summary>
public sealed record TextCorpus(string Name, IReadOnlyList<string> Documents)
{
    public long Words => Documents.Sum(d => (long)d.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length);
}

/// <summary>
/// T5's pretraining text from --data paths: a WikiText-2 folder (its training split), a DialogSum folder (the training
/// dialogues) or jsonl file (its dialogues), or a plain UTF-8 text file (its non-empty lines). Never a summary, never
/// a dev or test split. Without paths: WikiText-2 (cache, download or $TRANSFORMERSHARP_WIKITEXT2) and DialogSum's
/// training dialogues ($TRANSFORMERSHARP_DIALOGSUM).
/// </summary>
public static class PretrainingText
{
    public static IReadOnlyList<TextCorpus> Read(IReadOnlyList<string> paths)
    {
        if (paths.Count == 0)
            return new[]
            {
                Lines("wikitext-2 train", DataSource.ReadText(DataSource.WikiText2, null)),
                Dialogues(DialogSum.SplitFile(DialogSum.Locate(null), "train")),
            };
        return paths.Select(ReadOne).ToList();
    }

    static TextCorpus ReadOne(string path)
    {
        if (Directory.Exists(path))
        {
            string wiki = Path.Combine(path, "wiki.train.tokens");
            if (File.Exists(wiki)) return Lines($"{wiki}", TextFiles.ReadNonEmpty(wiki, "WikiText-2's training text"));
            if (Directory.GetFiles(path, "dialogsum.train*.jsonl").Length > 0) return Dialogues(DialogSum.SplitFile(path, "train"));
            throw new UserError($"{path}: neither a WikiText-2 folder (wiki.train.tokens) nor a DialogSum folder (dialogsum.train*.jsonl)");
        }
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file or folder (--data)", path);
        if (path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)) return Dialogues(path);
        return Lines(path, TextFiles.ReadNonEmpty(path, "text to pretrain on"));
    }

    static TextCorpus Lines(string name, string text) =>
        new(name, text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList());

    /// <summary>The dialogues' text only: summaries are what fine-tuning must learn, so pretraining never sees them.</summary>
    static TextCorpus Dialogues(string path) => new(path, DialogSum.Read(path).Select(d => d.Text).ToList());
}
