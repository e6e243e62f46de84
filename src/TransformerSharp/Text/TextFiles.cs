namespace TransformerSharp.Text;

public static class TextFiles
{
    /// <summary>The file's text; a missing or empty file is an error naming it and what it should hold.</summary>
    public static string ReadNonEmpty(string path, string expected)
    {
        if (!File.Exists(path)) throw new UserError($"{path}: file not found");
        string text = File.ReadAllText(path);
        if (text.Trim().Length == 0) throw new UserError($"{path}: the file is empty; give {expected}");
        return text;
    }
}
