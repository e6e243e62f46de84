using System.IO.Compression;
using TransformerSharp.Data;
using Xunit;

namespace TransformerSharp.Tests.Data;

public class FashionMnistTests
{
    /// <summary>n images whose pixels encode (image, position), labels cycling through the classes.</summary>
    public static ImageSet Synthetic(int n, Func<int, int, byte>? pixel = null)
    {
        var pixels = new byte[n * 784];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = pixel?.Invoke(i / 784, i % 784) ?? (byte)((i * 7 + i / 784) % 256);
        return new ImageSet(pixels, Enumerable.Range(0, n).Select(i => (byte)(i % 10)).ToArray(), 28, 28);
    }

    /// <summary>A Fashion-MNIST-shaped folder: the four gzipped IDX files.</summary>
    public static string WriteFolder(ImageSet train, ImageSet test, string? folder = null)
    {
        folder ??= TestSupport.TempFolder();
        Idx.Write(Path.Combine(folder, "train-images-idx3-ubyte.gz"), Path.Combine(folder, "train-labels-idx1-ubyte.gz"), train);
        Idx.Write(Path.Combine(folder, "t10k-images-idx3-ubyte.gz"), Path.Combine(folder, "t10k-labels-idx1-ubyte.gz"), test);
        return folder;
    }

    [Fact]
    public void WrittenIdxFilesReadBackExactly()
    {
        var train = Synthetic(30);
        var test = Synthetic(12);
        var (readTrain, readTest) = FashionMnist.Load(WriteFolder(train, test));
        Assert.Equal(train.Pixels, readTrain.Pixels);
        Assert.Equal(train.Labels, readTrain.Labels);
        Assert.Equal(12, readTest.Count);
        Assert.Equal(test.Image(11).ToArray(), readTest.Image(11).ToArray());
    }

    [Fact]
    public void UncompressedFilesAreReadToo()
    {
        string folder = WriteFolder(Synthetic(5), Synthetic(3));
        foreach (string gz in Directory.GetFiles(folder, "*.gz"))
        {
            using (var input = new GZipStream(File.OpenRead(gz), CompressionMode.Decompress))
            using (var output = File.Create(gz[..^3])) input.CopyTo(output);
            File.Delete(gz);
        }
        Assert.Equal(5, FashionMnist.Load(folder).train.Count);
    }

    [Fact]
    public void BrokenFilesAreErrorsNamingTheFile()
    {
        string folder = WriteFolder(Synthetic(20), Synthetic(10));
        string images = Path.Combine(folder, "train-images-idx3-ubyte.gz");

        // A gzip stream cut in half.
        byte[] whole = File.ReadAllBytes(images);
        File.WriteAllBytes(images, whole[..(whole.Length / 2)]);
        var cut = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(folder));
        Assert.Contains(images, cut.Message);

        // A whole gzip stream of a truncated IDX file.
        var set = Synthetic(20);
        Idx.Write(images, Path.Combine(folder, "ignored-labels.gz"), new ImageSet(set.Pixels, set.Labels, 28, 28));
        byte[] raw = Gunzip(images);
        File.WriteAllBytes(images[..^3], raw[..^100]);
        File.Delete(images);
        var truncated = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(folder));
        Assert.Contains("truncated", truncated.Message);
        Assert.Contains(images[..^3], truncated.Message);

        // Labels where images should be: the magic number says so.
        File.Copy(Path.Combine(folder, "train-labels-idx1-ubyte.gz"), images, overwrite: true);
        File.Delete(images[..^3]);
        var magic = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(folder));
        Assert.Contains("not an IDX image file", magic.Message);
    }

    [Fact]
    public void DifferentImageAndLabelCountsNameBoth()
    {
        string folder = WriteFolder(Synthetic(20), Synthetic(10));
        var other = Synthetic(7);
        Idx.Write(Path.Combine(folder, "unused.gz"), Path.Combine(folder, "t10k-labels-idx1-ubyte.gz"), other);
        var error = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(folder));
        Assert.Contains("10 images", error.Message);
        Assert.Contains("7 labels", error.Message);
    }

    [Fact]
    public void MissingDataNamesEveryOption()
    {
        string? saved = Environment.GetEnvironmentVariable(FashionMnist.EnvironmentVariable);
        Environment.SetEnvironmentVariable(FashionMnist.EnvironmentVariable, null);
        try
        {
            var error = Assert.Throws<UserError>(() => FashionMnist.Locate(null, debianFolder: "/nonexistent/fashion-mnist"));
            Assert.Contains("--data", error.Message);
            Assert.Contains(FashionMnist.EnvironmentVariable, error.Message);
            Assert.Contains("dataset-fashion-mnist", error.Message);
            Assert.Throws<DirectoryNotFoundException>(() => FashionMnist.Locate("/nonexistent/folder"));
        }
        finally { Environment.SetEnvironmentVariable(FashionMnist.EnvironmentVariable, saved); }
    }

    [SkippableFact]
    public void DebiansPackageHoldsTheRealDataSet()
    {
        Skip.IfNot(Directory.Exists(FashionMnist.DebianFolder), $"{FashionMnist.DebianFolder} absent: apt-get install dataset-fashion-mnist");
        var (train, test) = FashionMnist.Load(FashionMnist.DebianFolder);
        Assert.Equal(60_000, train.Count);
        Assert.Equal(10_000, test.Count);
        // Fashion-MNIST is balanced: 6,000 training and 1,000 test images of every class.
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(6_000, train.Labels.Count(l => l == c)));
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(1_000, test.Labels.Count(l => l == c)));
        // The normalisation the presets use is this training set's.
        double mean = train.Pixels.Average(p => p / 255.0);
        double std = Math.Sqrt(train.Pixels.Average(p => Math.Pow(p / 255.0 - mean, 2)));
        Assert.Equal(TransformerSharp.Models.Vit.VitPresets.Mean, mean, 4);
        Assert.Equal(TransformerSharp.Models.Vit.VitPresets.Std, std, 4);
    }

    static byte[] Gunzip(string path)
    {
        using var input = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}
