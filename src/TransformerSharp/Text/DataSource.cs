using System.IO.Compression;
using System.Security.Cryptography;

namespace TransformerSharp.Text;

/// <summary>Where a public data set comes from when the user does not pass a file: its canonical URL and checksum.</summary>
public sealed record DatasetInfo(string Name, string Url, string Sha1, string EnvironmentVariable, string FileInArchive);

/// <summary>
/// Finds a data set's text: the --data path (a text file or the canonical zip), else the environment variable, else a
/// verified download cached under ~/.cache/transformersharp. With none of them, an error that names every option.
/// </summary>
public static class DataSource
{
    public static readonly DatasetInfo FraEng = new("fra-eng", "http://d2l-data.s3-accelerate.amazonaws.com/fra-eng.zip",
        "94646ad1522d915e7b0f9296181140edcf86a4f5", "TRANSFORMERSHARP_FRA_ENG", "fra-eng/fra.txt");

    public static readonly DatasetInfo WikiText2 = new("wikitext-2", "http://d2l-data.s3-accelerate.amazonaws.com/wikitext-2-v1.zip",
        "3c914d17d80b1459be871a5039ac23e752a53cbe", "TRANSFORMERSHARP_WIKITEXT2", "wikitext-2/wiki.train.tokens");

    public static string CacheFolder => Environment.GetEnvironmentVariable("TRANSFORMERSHARP_CACHE")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "transformersharp");

    /// <summary>The data set's text, read from the first source that exists.</summary>
    public static string ReadText(DatasetInfo info, string? path, HttpClient? http = null)
    {
        path ??= Environment.GetEnvironmentVariable(info.EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(path))
        {
            // A folder stands for the file of that name inside it (wikitext-2/wiki.train.tokens).
            if (Directory.Exists(path)) path = Path.Combine(path, Path.GetFileName(info.FileInArchive));
            if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found (from --data or ${info.EnvironmentVariable})", path);
            return ReadFileOrArchive(path, info);
        }
        string cached = Path.Combine(CacheFolder, Path.GetFileName(new Uri(info.Url).LocalPath));
        if (File.Exists(cached) && Sha1(cached) == info.Sha1) return ReadFileOrArchive(cached, info);
        try
        {
            Download(info, cached, http);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or InvalidDataException)
        {
            throw new UserError(
                $"no {info.Name} data: pass --data FILE (the text file or {Path.GetFileName(cached)}) or set ${info.EnvironmentVariable}=FILE; " +
                $"downloading {info.Url} failed: {e.Message}", e);
        }
        return ReadFileOrArchive(cached, info);
    }

    /// <summary>Downloads to a temporary file, checks the SHA-1, then renames into the cache.</summary>
    public static void Download(DatasetInfo info, string target, HttpClient? http = null)
    {
        using var client = http is null ? new HttpClient { Timeout = TimeSpan.FromSeconds(60) } : null;
        HttpClient effective = http ?? client!;
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        string temp = target + ".download";
        using (var response = effective.GetAsync(info.Url, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult())
        {
            response.EnsureSuccessStatusCode();
            using var file = File.Create(temp);
            response.Content.CopyToAsync(file).GetAwaiter().GetResult();
        }
        string actual = Sha1(temp);
        if (actual != info.Sha1)
        {
            File.Delete(temp);
            throw new InvalidDataException($"{info.Url}: checksum {actual} does not match the expected {info.Sha1}");
        }
        File.Move(temp, target, overwrite: true);
    }

    static string ReadFileOrArchive(string path, DatasetInfo info)
    {
        if (!path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)) return TextFiles.ReadUtf8(path);
        using var archive = ZipFile.OpenRead(path);
        var entry = archive.GetEntry(info.FileInArchive) ?? throw new InvalidDataException($"{path}: no {info.FileInArchive} inside");
        using var bytes = new MemoryStream();
        using (var stream = entry.Open()) stream.CopyTo(bytes);
        return TextFiles.DecodeUtf8(bytes.ToArray(), $"{path}!{info.FileInArchive}");
    }

    static string Sha1(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA1.HashData(stream));
    }
}
