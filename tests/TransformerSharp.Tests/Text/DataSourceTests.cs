using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using TransformerSharp.Text;
using Xunit;

namespace TransformerSharp.Tests.Text;

public class DataSourceTests
{
    static (string zip, string sha1) MakeArchive(string text)
    {
        string path = Path.Combine(TestSupport.TempFolder(), "fra-eng.zip");
        using (var archive = ZipFile.Open(path, ZipArchiveMode.Create))
        using (var writer = new StreamWriter(archive.CreateEntry("fra-eng/fra.txt").Open()))
            writer.Write(text);
        return (path, Convert.ToHexStringLower(SHA1.HashData(File.ReadAllBytes(path))));
    }

    /// <summary>Serves one file on a loopback port for the duration of the test.</summary>
    sealed class LoopbackServer : IDisposable
    {
        readonly HttpListener listener = new();
        public string Url { get; }
        public LoopbackServer(byte[] body)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = $"http://127.0.0.1:{port}/fra-eng.zip";
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            listener.Start();
            _ = Task.Run(async () =>
            {
                while (listener.IsListening)
                {
                    HttpListenerContext context;
                    try { context = await listener.GetContextAsync(); } catch { return; }
                    await context.Response.OutputStream.WriteAsync(body);
                    context.Response.Close();
                }
            });
        }
        public void Dispose() => listener.Close();
    }

    [Fact]
    public void ReadsTextFilesAndZipArchives()
    {
        var (zip, sha1) = MakeArchive("Go.\tVa !\n");
        var info = DataSource.FraEng with { Sha1 = sha1, EnvironmentVariable = "TS_TEST_UNSET_" + Guid.NewGuid().ToString("N") };
        Assert.Equal("Go.\tVa !\n", DataSource.ReadText(info, zip));
        string text = Path.Combine(TestSupport.TempFolder(), "fra.txt");
        File.WriteAllText(text, "Hi.\tSalut !\n");
        Assert.Equal("Hi.\tSalut !\n", DataSource.ReadText(info, text));
        var missing = Assert.Throws<FileNotFoundException>(() => DataSource.ReadText(info, "/nonexistent/fra.txt"));
        Assert.Contains("/nonexistent/fra.txt", missing.Message);
    }

    [Fact]
    public void DownloadsVerifiesAndRejectsABadChecksum()
    {
        var (zip, sha1) = MakeArchive("Go.\tVa !\n");
        using var server = new LoopbackServer(File.ReadAllBytes(zip));
        string target = Path.Combine(TestSupport.TempFolder(), "cache", "fra-eng.zip");
        var info = DataSource.FraEng with { Url = server.Url, Sha1 = sha1 };
        DataSource.Download(info, target);
        Assert.Equal(File.ReadAllBytes(zip), File.ReadAllBytes(target));

        string other = Path.Combine(TestSupport.TempFolder(), "fra-eng.zip");
        var error = Assert.Throws<InvalidDataException>(() => DataSource.Download(info with { Sha1 = new string('0', 40) }, other));
        Assert.Contains("checksum", error.Message);
        Assert.False(File.Exists(other));
        Assert.False(File.Exists(other + ".download"));
    }

    [Fact]
    public void WithNoFileAndNoNetworkTheErrorNamesEveryOption()
    {
        string cache = TestSupport.TempFolder();
        Environment.SetEnvironmentVariable("TRANSFORMERSHARP_CACHE", cache);
        try
        {
            // Port 9 on loopback: nothing listens, so the "download" fails at once, as without a network.
            var info = DataSource.FraEng with { Url = "http://127.0.0.1:9/fra-eng.zip", EnvironmentVariable = "TS_TEST_UNSET_" + Guid.NewGuid().ToString("N") };
            var error = Assert.Throws<UserError>(() => DataSource.ReadText(info, null));
            Assert.Contains("--data FILE", error.Message);
            Assert.Contains(info.EnvironmentVariable, error.Message);
            Assert.Contains(info.Url, error.Message);
        }
        finally { Environment.SetEnvironmentVariable("TRANSFORMERSHARP_CACHE", null); }
    }
}
