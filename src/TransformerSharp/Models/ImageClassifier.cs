using System.Text.Json.Serialization;
using TorchSharp;
using TransformerSharp.Models.LeNet;
using TransformerSharp.Models.Vit;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Models;

/// <summary>
/// What every image classifier's config says about its input: the side it resizes images to, the pixel mean and
/// standard deviation it normalises by (0 and 1: plain [0, 1] pixels, as D2L), and its number of classes.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "architecture")]
[JsonDerivedType(typeof(VitConfig), "vit")]
[JsonDerivedType(typeof(LeNetConfig), "lenet")]
public interface IImageClassifierConfig
{
    int ImageSize { get; }
    double InputMean { get; }
    double InputStd { get; }
    int Classes { get; }
}

/// <summary>
/// An image classifier: grey pixels in [0, 1], (batch, height, width), in; class logits (batch, classes) out. The
/// resize and normalisation live in the model, so training, evaluation and prediction cannot disagree about them.
/// </summary>
public abstract class ImageClassifier : nn.Module<Tensor, Tensor>
{
    protected ImageClassifier(string name, IImageClassifierConfig input) : base(name) => Input = input;

    public IImageClassifierConfig Input { get; }

    /// <summary>(batch, h, w) pixels in [0, 1] → (batch, 1, size, size), resized (bilinear) and normalised.</summary>
    protected Tensor Prepare(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        Tensor x = pixels.dim() == 3 ? pixels.unsqueeze(1) : pixels;
        if (x.shape[2] != Input.ImageSize || x.shape[3] != Input.ImageSize)
            x = nn.functional.interpolate(x, new long[] { Input.ImageSize, Input.ImageSize }, mode: InterpolationMode.Bilinear, align_corners: false);
        if (Input.InputMean != 0 || Input.InputStd != 1) x = x.Plus(-Input.InputMean).DivideInPlace(Input.InputStd);
        return x.MoveToOuterDisposeScope();
    }

    public long ParameterCount => parameters().Sum(p => p.numel());
}
