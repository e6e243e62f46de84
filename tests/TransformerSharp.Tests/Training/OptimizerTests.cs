using System.Text.Json.Nodes;
using TorchSharp;
using TorchSharp.Modules;
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

    sealed class TwoScales : nn.Module
    {
        public readonly Parameter large = nn.Parameter(ones(4, 3)), small = nn.Parameter(full(4, 3, 0.01));
        public TwoScales() : base(nameof(TwoScales)) => RegisterComponents();
    }

    sealed class SumTask(TwoScales model) : ITrainingTask
    {
        public string Kind => "test";
        public nn.Module Model => model;
        public long TokensPerBatch => 1;
        // Gradients of mixed signs and sizes: Adam's first step moves every element by the learning rate regardless.
        public Tensor TrainingLoss(long step, int micro) => (model.large * arange(12).reshape(4, 3)).sum() - (model.small * 5).sum();
        public double EvaluationLoss(string split, CancellationToken cancel) => 0;
        public JsonObject Describe() => new();
    }

    [Fact]
    public void RelativeStepsScaleEachParametersStepByItsRms()
    {
        using var model = new TwoScales();
        model.large.detach().index_put_(tensor(0.5f), tensor(0L), tensor(0L));   // one element off 1 keeps the RMS honest
        double largeRms = model.large.square().mean().sqrt().item<float>();
        var before = model.parameters().Select(p => p.detach().clone()).ToList();
        var settings = new TrainingSettings(BatchSize: 1, LearningRate: 0.1, Iterations: 1, Clip: 0, RelativeStep: true);
        Trainer.Run(new SumTask(model), settings.ToTrainerOptions(seed: 0, outDir: null));
        using var largeStep = (model.large - before[0]).abs();
        using var smallStep = (model.small - before[1]).abs();
        // Element (0, 0) has a zero gradient in the large tensor: it does not move.
        Assert.Equal(0.1 * largeRms, largeStep[0, 1].item<float>(), 4);
        Assert.Equal(0.1 * 0.01, smallStep.max().item<float>(), 6);
        Assert.Equal(0.1 * 0.01, smallStep.min().item<float>(), 6);
    }
}
