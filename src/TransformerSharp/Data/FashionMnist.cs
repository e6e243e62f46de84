using System.Buffers.Binary;
using System.IO.Compression;

namespace TransformerSharp.Data;

/// <summary>Grey images of one size with their class labels, pixels 0–255 row-major, image after image.</summary>
public sealed class ImageSet
{
    public ImageSet(byte[] pixels, byte[] labels, int height, int width)
    {
        if (pixels.Length != labels.Length * height * width)
            throw new ArgumentException($"{pixels.Length} pixels do not make {labels.Length} images of {height}×{width}");
        Pixels = pixels;
        Labels = labels;
        Height = height;
        Width = width;
    }

    public byte[] Pixels { get; }
    public byte[] Labels { get; }
    public int Height { get; }
    public int Width { get; }
    public int Count => Labels.Length;
    public int ImageSize => Height * Width;

    public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(index * ImageSize, ImageSize);

    /// <summary>One image's pixels scaled to [0, 1].</summary>
    public float[] ScaledImage(int index)
    {
        var scaled = new float[ImageSize];
        ReadOnlySpan<byte> image = Image(index);
        for (int i = 0; i < scaled.Length; i++) scaled[i] = image[i] / 255f;
        return scaled;
    }

    /// <summary>The images at these indices, in this order.</summary>
    public ImageSet Subset(IReadOnlyList<int> indices)
    {
        var pixels = new byte[indices.Count * ImageSize];
        for (int i = 0; i < indices.Count; i++) Image(indices[i]).CopyTo(pixels.AsSpan(i * ImageSize, ImageSize));
        return new ImageSet(pixels, indices.Select(i => Labels[i]).ToArray(), Height, Width);
    }
}

/// <summary>
/// Fashion-MNIST (Zalando, MIT licence): 60,000 training and 10,000 test images of clothing, 28×28 grey, ten classes,
/// as four IDX files. Found through --data, then $TRANSFORMERSHARP_FASHION_MNIST, then Debian's dataset-fashion-mnist.
/// </summary>
public static class FashionMnist
{
    public const string EnvironmentVariable = "TRANSFORMERSHARP_FASHION_MNIST";
    public const string DebianFolder = "/usr/share/datasets/fashion-mnist";
    public const int Side = 28;

    public static readonly string[] ClassNames =
        { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" };

    public static readonly string[] Files =
        { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" };

    /// <summary>The folder holding the four files: the argument, the environment variable, Debian's folder, else an error.</summary>
    public static string Locate(string? folder = null, string debianFolder = DebianFolder)
    {
        if (folder is not null)
        {
            if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"--data {folder}: no such folder");
            return folder;
        }
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnv)
        {
            if (!Directory.Exists(fromEnv)) throw new DirectoryNotFoundException($"${EnvironmentVariable}={fromEnv}: no such folder");
            return fromEnv;
        }
        if (Directory.Exists(debianFolder)) return debianFolder;
        throw new UserError($"Fashion-MNIST not found: pass --data DIR (a folder with {string.Join(", ", Files.Select(f => f + ".gz"))}), " +
                            $"set ${EnvironmentVariable}=DIR, or install Debian's package (apt install dataset-fashion-mnist)");
    }

    /// <summary>The training and test sets of the folder.</summary>
    public static (ImageSet train, ImageSet test) Load(string folder) =>
        (Idx.Read(Find(folder, Files[0]), Find(folder, Files[1])), Idx.Read(Find(folder, Files[2]), Find(folder, Files[3])));

    /// <summary>name.gz, else name uncompressed.</summary>
    static string Find(string folder, string name)
    {
        foreach (string candidate in new[] { name + ".gz", name })
            if (File.Exists(Path.Combine(folder, candidate))) return Path.Combine(folder, candidate);
        throw new FileNotFoundException($"{Path.Combine(folder, name + ".gz")}: not found (nor {name} uncompressed)");
    }
}

/// <summary>The IDX format of MNIST-like data sets: big-endian magic (0x0803 images, 0x0801 labels), counts, raw bytes.</summary>
public static class Idx
{
    const int ImagesMagic = 0x0803, LabelsMagic = 0x0801;

    /// <summary>Images and labels, checked: magic numbers, equal counts, 28×28, whole files.</summary>
    public static ImageSet Read(string imagesPath, string labelsPath)
    {
        byte[] images = ReadAll(imagesPath), labels = ReadAll(labelsPath);
        int imageCount = Header(images, imagesPath, ImagesMagic, 16), labelCount = Header(labels, labelsPath, LabelsMagic, 8);
        int rows = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(8)), cols = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(12));
        if (rows != FashionMnist.Side || cols != FashionMnist.Side)
            throw new InvalidDataException($"{imagesPath}: images are {rows}×{cols}, expected {FashionMnist.Side}×{FashionMnist.Side}");
        if (imageCount != labelCount)
            throw new InvalidDataException($"{imagesPath} holds {imageCount:N0} images but {labelsPath} holds {labelCount:N0} labels");
        Length(images, imagesPath, 16 + (long)imageCount * rows * cols);
        Length(labels, labelsPath, 8 + (long)labelCount);
        byte[] labelBytes = labels[8..];
        int bad = Array.FindIndex(labelBytes, l => l >= FashionMnist.ClassNames.Length);
        if (bad >= 0) throw new InvalidDataException($"{labelsPath}: label {labelBytes[bad]} of item {bad} is not a class 0–9");
        return new ImageSet(images[16..], labelBytes, rows, cols);
    }

    /// <summary>The file's bytes, gunzipped when it starts with gzip's magic; a broken gzip stream names the file.</summary>
    static byte[] ReadAll(string path)
    {
        byte[] raw = File.ReadAllBytes(path);
        if (raw.Length < 2 || raw[0] != 0x1f || raw[1] != 0x8b) return raw;
        try
        {
            using var gzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            using var output = new MemoryStream();
            gzip.CopyTo(output);
            return output.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new InvalidDataException($"{path}: broken gzip stream ({e.Message})", e);
        }
    }

    static int Header(byte[] data, string path, int magic, int headerLength)
    {
        if (data.Length < headerLength) throw new InvalidDataException($"{path}: {data.Length} bytes, too short for an IDX header");
        int found = BinaryPrimitives.ReadInt32BigEndian(data);
        if (found != magic)
            throw new InvalidDataException($"{path}: not an IDX {(magic == ImagesMagic ? "image" : "label")} file (magic 0x{found:x8}, expected 0x{magic:x8})");
        return BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4));
    }

    static void Length(byte[] data, string path, long expected)
    {
        if (data.Length < expected) throw new InvalidDataException($"{path}: truncated ({data.Length:N0} bytes, the header promises {expected:N0})");
        if (data.Length > expected) throw new InvalidDataException($"{path}: {data.Length - expected:N0} bytes after the last item");
    }

    /// <summary>Writes images and labels as two gzipped IDX files (tests, exports).</summary>
    public static void Write(string imagesPath, string labelsPath, ImageSet set)
    {
        var header = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), set.Count);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), set.Height);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), set.Width);
        WriteGzip(imagesPath, header.Concat(set.Pixels).ToArray());
        var labelHeader = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(labelHeader, LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(labelHeader.AsSpan(4), set.Count);
        WriteGzip(labelsPath, labelHeader.Concat(set.Labels).ToArray());
    }

    static void WriteGzip(string path, byte[] data)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(data);
    }
}
