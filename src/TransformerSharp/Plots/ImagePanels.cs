using SkiaSharp;

namespace TransformerSharp.Plots;

/// <summary>
/// One picture in a grid: a grey image (side × side, pixels in [0, 1]), an optional heatmap drawn over it (a coarser
/// grid, such as attention over patches, stretched smoothly to the image), and a caption, red when it reports a mistake.
/// </summary>
public sealed record ImagePanel(float[] Pixels, int Side, string Caption, float[]? Heatmap = null, int HeatmapSide = 0, bool Mistake = false);

/// <summary>Grids of small images with captions as one PNG: predictions on test images, attention over an image.</summary>
public static class ImagePanels
{
    public static void Save(string path, IReadOnlyList<ImagePanel> panels, int columns, string? title = null, int cell = 140)
    {
        if (panels.Count == 0) throw new ArgumentException("no images to draw");
        columns = Math.Min(columns, panels.Count);
        int rows = (panels.Count + columns - 1) / columns, captionHeight = 34, titleHeight = title is null ? 0 : 36, gap = 8;
        int width = columns * (cell + gap) + gap, height = titleHeight + rows * (cell + captionHeight + gap) + gap;
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        SKCanvas canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var font = new SKFont(SKTypeface.Default, 13);
        using var titleFont = new SKFont(SKTypeface.Default, 17);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var red = new SKPaint { Color = new SKColor(200, 20, 20), IsAntialias = true };
        if (title is not null)
        {
            float fits = (width - 2 * gap) / Math.Max(1, titleFont.MeasureText(title));
            if (fits < 1) titleFont.Size *= fits;                            // shrink a long title to the grid's width
            canvas.DrawText(title, width / 2f, 24, SKTextAlign.Center, titleFont, ink);
        }
        for (int i = 0; i < panels.Count; i++)
        {
            var panel = panels[i];
            float left = gap + i % columns * (cell + gap), top = titleHeight + gap + i / columns * (cell + captionHeight + gap);
            var target = new SKRect(left, top, left + cell, top + cell);
            using (var image = Grey(panel.Pixels, panel.Side)) canvas.DrawImage(image, target, new SKSamplingOptions(SKFilterMode.Nearest));
            if (panel.Heatmap is { } heat)
            {
                using var overlay = Heat(heat, panel.HeatmapSide);
                using var translucent = new SKPaint { Color = SKColors.White.WithAlpha(150) };
                canvas.DrawImage(overlay, target, new SKSamplingOptions(SKFilterMode.Linear), translucent);
            }
            if (panel.Mistake)
            {
                using var frame = new SKPaint { Color = red.Color, Style = SKPaintStyle.Stroke, StrokeWidth = 4 };
                canvas.DrawRect(target, frame);
            }
            string[] lines = panel.Caption.Split('\n');
            for (int l = 0; l < lines.Length && l < 2; l++)
                canvas.DrawText(lines[l], left + cell / 2f, top + cell + 14 + 15 * l, SKTextAlign.Center, font, panel.Mistake ? red : ink);
        }
        using SKImage snapshot = surface.Snapshot();
        using SKData png = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full + ".tmp.png", png.ToArray());
        File.Move(full + ".tmp.png", full, overwrite: true);
    }

    static SKImage Grey(float[] pixels, int side)
    {
        using var bitmap = TransformerSharp.Data.ImageFile.GreyBitmap(pixels, side);
        return SKImage.FromBitmap(bitmap);
    }

    /// <summary>The map scaled to [0, 1] by its maximum, coloured with viridis.</summary>
    static SKImage Heat(float[] values, int side)
    {
        float max = Math.Max(values.Max(), 1e-12f);
        using var bitmap = new SKBitmap(side, side, SKColorType.Rgba8888, SKAlphaType.Premul);
        for (int i = 0; i < side * side; i++) bitmap.SetPixel(i % side, i / side, Viridis(values[i] / max));
        return SKImage.FromBitmap(bitmap);
    }

    // Five stops of matplotlib's viridis; linear between them.
    static readonly (byte r, byte g, byte b)[] stops = { (68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37) };

    static SKColor Viridis(float t)
    {
        float x = Math.Clamp(t, 0, 1) * (stops.Length - 1);
        int i = Math.Min((int)x, stops.Length - 2);
        float f = x - i;
        byte Mix(byte a, byte b) => (byte)Math.Round(a + (b - a) * f);
        return new SKColor(Mix(stops[i].r, stops[i + 1].r), Mix(stops[i].g, stops[i + 1].g), Mix(stops[i].b, stops[i + 1].b));
    }
}
