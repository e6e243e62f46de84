using System.Globalization;
using System.Text;

namespace TransformerSharp.Data;

/// <summary>A CSV file whose header names columns x and y (in any order, other columns ignored), one point per row.</summary>
public static class PointsCsv
{
    public static (double[] X, double[] Y) Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        using var reader = new StreamReader(path, Encoding.UTF8);
        return Read(reader, path);
    }

    public static (double[] X, double[] Y) Read(TextReader reader, string name)
    {
        string? header = reader.ReadLine();
        if (header is null) throw new InvalidDataException($"{name}: the file is empty; expected a header line 'x,y'");
        string[] columns = header.TrimStart('\uFEFF').Split(',').Select(c => c.Trim().Trim('"').ToLowerInvariant()).ToArray();
        int xColumn = Array.IndexOf(columns, "x"), yColumn = Array.IndexOf(columns, "y");
        if (xColumn < 0 || yColumn < 0)
            throw new InvalidDataException($"{name}:1: the header '{header}' must name the columns x and y");

        var xs = new List<double>();
        var ys = new List<double>();
        int lineNumber = 1;
        for (string? line = reader.ReadLine(); line != null; line = reader.ReadLine())
        {
            lineNumber++;
            if (line.Trim().Length == 0) continue;
            string[] fields = line.Split(',');
            if (fields.Length != columns.Length)
                throw new InvalidDataException($"{name}:{lineNumber}: expected {columns.Length} fields as in the header, found {fields.Length}: '{line}'");
            xs.Add(ParseFinite(fields[xColumn], "x", name, lineNumber));
            ys.Add(ParseFinite(fields[yColumn], "y", name, lineNumber));
        }
        if (xs.Count == 0) throw new InvalidDataException($"{name}: no data rows after the header");
        return (xs.ToArray(), ys.ToArray());
    }

    static double ParseFinite(string field, string column, string name, int line)
    {
        string text = field.Trim().Trim('"');
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            throw new InvalidDataException($"{name}:{line}: column {column} is '{text}', not a finite number");
        return value;
    }

    /// <summary>Writes rows with a header; numbers in round-trip form so nothing is lost. Atomic (temp file, rename).</summary>
    public static void Write(string path, string[] header, params double[][] columns)
    {
        string full = Path.GetFullPath(path);
        string? folder = Path.GetDirectoryName(full);
        if (folder != null) Directory.CreateDirectory(folder);
        string temp = full + ".tmp";
        using (var writer = new StreamWriter(temp, false, new UTF8Encoding(false)))
        {
            writer.WriteLine(string.Join(",", header));
            for (int row = 0; row < columns[0].Length; row++)
                writer.WriteLine(string.Join(",", columns.Select(c => c[row].ToString("R", CultureInfo.InvariantCulture))));
        }
        File.Move(temp, full, overwrite: true);
    }
}
