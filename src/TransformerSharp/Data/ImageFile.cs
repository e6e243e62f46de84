using SkiaSharp;

namespace TransformerSharp.Data;

/// <summary>An image file read as Fashion-MNIST reads: grey, light garment on a dark ground, side × side, pixels in [0, 1].</summary>
public static class ImageFile
{
    /// <summary>The pixels (row-major) and what was done to them to fit, if anything (null when the file already fit).</summary>
    public static (float[] pixels, string? note) LoadGrey(string path, int side = FashionMnist.Side)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: image not found", path);
        using var decoded = SKBitmap.Decode(path) ?? throw new InvalidDataException($"{path}: not an image (PNG, JPEG, GIF, BMP or WebP)");
        var notes = new List<string>();
        SKBitmap bitmap = decoded;
        if (decoded.Width != side || decoded.Height != side)
        {
            notes.Add($"resized from {decoded.Width}×{decoded.Height} to {side}×{side}");
            bitmap = decoded.Resize(new SKImageInfo(side, side), new SKSamplingOptions(SKCubicResampler.Mitchell))
                     ?? throw new InvalidDataException($"{path}: the image could not be resized");
        }
        try
        {
            var pixels = new float[side * side];
            bool colour = false;
            for (int y = 0; y < side; y++)
                for (int x = 0; x < side; x++)
                {
                    SKColor c = bitmap.GetPixel(x, y);
                    colour |= c.Red != c.Green || c.Green != c.Blue;
                    // Transparent pixels are background: black, as in Fashion-MNIST.
                    pixels[y * side + x] = (0.299f * c.Red + 0.587f * c.Green + 0.114f * c.Blue) / 255f * (c.Alpha / 255f);
                }
            if (colour) notes.Add("converted to grey");
            // Fashion-MNIST draws light garments on black: a light border means a photo on a white ground, so invert.
            double border = Enumerable.Range(0, side).Sum(i => pixels[i] + pixels[(side - 1) * side + i] + pixels[i * side] + pixels[i * side + side - 1]) / (4.0 * side);
            if (border > 0.5)
            {
                for (int i = 0; i < pixels.Length; i++) pixels[i] = 1 - pixels[i];
                notes.Add("inverted (light background)");
            }
            return (pixels, notes.Count == 0 ? null : $"{path}: {string.Join(", ", notes)}");
        }
        finally { if (!ReferenceEquals(bitmap, decoded)) bitmap.Dispose(); }
    }

    /// <summary>Writes side × side grey pixels in [0, 1] as a PNG (tests, and `vit predict --index` users who want the picture).</summary>
    public static void SaveGrey(string path, ReadOnlySpan<float> pixels, int side)
    {
        using var bitmap = GreyBitmap(pixels, side);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    /// <summary>side × side grey pixels in [0, 1] as a bitmap (for files and plots).</summary>
    public static SKBitmap GreyBitmap(ReadOnlySpan<float> pixels, int side)
    {
        var bitmap = new SKBitmap(side, side, SKColorType.Rgba8888, SKAlphaType.Premul);
        for (int i = 0; i < side * side; i++)
        {
            byte v = (byte)Math.Clamp(Math.Round(pixels[i] * 255), 0, 255);
            bitmap.SetPixel(i % side, i / side, new SKColor(v, v, v));
        }
        return bitmap;
    }
}
