using TorchSharp;
using TransformerSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Training;

public class OptimizerTests
{
    [Fact]
    public void SgdSettingTakesPlainGradientSteps()
    {
        TestSupport.Seed(0);
        using var model = nn.Linear(3, 2);
        var before = model.parameters().Select(p => p.detach().clone()).ToList();
        var settings = new TrainingSettings(BatchSize: 1, LearningRate: 0.1, Iterations: 1, Optimizer: OptimizerKind.Sgd, Clip: 0);
        var optimizer = Optimizers.Create(model, settings.ToTrainerOptions(seed: 0, outDir: null));
        Assert.IsType<TorchSharp.Modules.SGD>(optimizer);
        using (var x = ones(4, 3)) model.forward(x).pow(2).sum().backward();
        var gradients = model.parameters().Select(p => p.grad!.clone()).ToList();
        optimizer.step();
        // θ ← θ − lr·∇θ, parameter by parameter.
        foreach (var (parameter, (old, gradient)) in model.parameters().Zip(before.Zip(gradients)))
            Assert.True(TestSupport.MaxAbsDiff(parameter, old - 0.1 * gradient) < 1e-7);
        // The default (AdamW) moves every weight by about the learning rate on its first step instead.
        Assert.IsNotType<TorchSharp.Modules.SGD>(Optimizers.Create(model, (settings with { Optimizer = OptimizerKind.AdamW }).ToTrainerOptions(0, null)));
    }
}
