namespace TransformerSharp.Models.LeNet;

/// <summary>
/// A LeNet-style convolutional network (D2L 7.6, modernised): two 5×5 convolutions of Channels1 and Channels2 filters,
/// each followed by ReLU, batch norm when BatchNorm, and 2×2 max pooling, then dense layers of Hidden1 and Hidden2 units
/// with Dropout before each, and the classifier. Input as <see cref="IImageClassifierConfig"/>.
/// </summary>
public sealed record LeNetConfig(int Channels1 = 6, int Channels2 = 16, int Hidden1 = 120, int Hidden2 = 84, bool BatchNorm = false,
                                 double Dropout = 0.0, int ImageSize = 28, int Classes = 10, double InputMean = 0, double InputStd = 1)
    : IImageClassifierConfig
{
    public void Validate()
    {
        if (Channels1 < 1 || Channels2 < 1 || Hidden1 < 1 || Hidden2 < 1 || Classes < 2 || ImageSize < 16)
            throw new UserError($"LeNet sizes must be positive and the image at least 16 pixels: {this}");
        if (Dropout is < 0 or >= 1 || double.IsNaN(Dropout)) throw new UserError($"dropout must be in [0, 1), got {Dropout}");
        if (!(InputStd > 0)) throw new UserError($"the input standard deviation must be positive, got {InputStd}");
    }
}
