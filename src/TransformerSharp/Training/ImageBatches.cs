using TorchSharp;
using TransformerSharp.Data;
using TransformerSharp.Models;
using TransformerSharp.Models.Vit;
using static TorchSharp.torch;

namespace TransformerSharp.Training;

/// <summary>Loss and accuracy of a classifier on a set of images, and what it predicted for each.</summary>
public sealed record ClassificationScore(double Loss, double Accuracy, int[] Predicted, float[,] Probabilities);

/// <summary>Images as tensors: batches of pixels in [0, 1] (augmented for training), labels, and scoring a whole set.</summary>
public static class ImageBatches
{
    /// <summary>(batch, h, w) pixels in [0, 1]; with a random source, each image shifted and flipped as the augmentation says.</summary>
    public static Tensor Pixels(ImageSet set, IReadOnlyList<int> indices, Augmentation? augmentation = null, Random? random = null)
    {
        int h = set.Height, w = set.Width, size = set.ImageSize;
        var pixels = new float[indices.Count * size];
        for (int i = 0; i < indices.Count; i++)
        {
            ReadOnlySpan<byte> image = set.Image(indices[i]);
            Span<float> target = pixels.AsSpan(i * size, size);
            int pad = augmentation?.CropPadding ?? 0;
            int dy = random is null ? 0 : random.Next(-pad, pad + 1), dx = random is null ? 0 : random.Next(-pad, pad + 1);
            bool flip = random is not null && augmentation is { HorizontalFlip: true } && random.Next(2) == 1;
            // Pad-and-crop is a shift with zeros coming in; the flip mirrors the shifted image.
            for (int y = 0; y < h; y++)
            {
                int sy = y - dy;
                if (sy < 0 || sy >= h) continue;
                for (int x = 0; x < w; x++)
                {
                    int sx = (flip ? w - 1 - x : x) - dx;
                    if (sx >= 0 && sx < w) target[y * w + x] = image[sy * w + sx] / 255f;
                }
            }
        }
        return tensor(pixels, new long[] { indices.Count, h, w });
    }

    public static Tensor Labels(ImageSet set, IReadOnlyList<int> indices) => tensor(indices.Select(i => (long)set.Labels[i]).ToArray());

    /// <summary>Mean cross-entropy, accuracy, predictions and class probabilities over the whole set, in eval mode.</summary>
    public static ClassificationScore Score(ImageClassifier model, ImageSet set, int batchSize = 500, CancellationToken cancel = default)
    {
        bool training = model.training;
        model.eval();
        using var noGrad = no_grad();
        double loss = 0;
        int correct = 0;
        var predicted = new int[set.Count];
        int classes = model.Input.Classes;
        var probabilities = new float[set.Count, classes];
        foreach (int[] chunk in Enumerable.Range(0, set.Count).Chunk(batchSize))
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            Tensor labels = Labels(set, chunk);
            Tensor logits = model.forward(Pixels(set, chunk));
            loss += nn.functional.cross_entropy(logits, labels).item<float>() * chunk.Length;
            float[] p = logits.softmax(1).data<float>().ToArray();
            for (int i = 0; i < chunk.Length; i++)
            {
                int best = 0;
                for (int c = 0; c < classes; c++)
                {
                    probabilities[chunk[i], c] = p[i * classes + c];
                    if (p[i * classes + c] > p[i * classes + best]) best = c;
                }
                predicted[chunk[i]] = best;
                if (best == set.Labels[chunk[i]]) correct++;
            }
        }
        if (training) model.train();
        return new ClassificationScore(loss / Math.Max(1, set.Count), correct / (double)Math.Max(1, set.Count), predicted, probabilities);
    }

    /// <summary>counts[truth, predicted].</summary>
    public static int[,] ConfusionMatrix(ImageSet set, int[] predicted, int classes)
    {
        var counts = new int[classes, classes];
        for (int i = 0; i < set.Count; i++) counts[set.Labels[i], predicted[i]]++;
        return counts;
    }
}
