using TorchSharp;
using TransformerSharp.Models.Bert;
using TransformerSharp.Models.Gpt;
using TransformerSharp.Models.Translator;
using TransformerSharp.Text;
using TransformerSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace TransformerSharp.Tests.Training;

public class TrainerTests
{
    const string Text = "to be or not to be that is the question whether tis nobler in the mind to suffer the slings and arrows ";

    static LanguageModelTask NewTask(long seed, double dropout = 0.1, long? initSeed = null)
    {
        TestSupport.Seed(initSeed ?? seed);
        var tokenizer = CharTokenizer.FromText(Text);
        var model = new Gpt(new GptConfig(2, 2, 16, 16, tokenizer.VocabSize, dropout));
        var corpus = new TokenCorpus(tokenizer.Encode(string.Concat(Enumerable.Repeat(Text, 8))));
        return new LanguageModelTask(model, tokenizer, corpus, batchSize: 4, evalBatches: 2, seed);
    }

    static TrainerOptions Options(int iterations, string? outDir) =>
        new(iterations, new LearningRateSchedule(3e-3, 3e-4, 3, iterations), Seed: 3, EvalInterval: 4, OutDir: outDir, GradientAccumulation: 2);

    [Fact]
    public void ScheduleWarmsUpThenDecaysToTheFloor()
    {
        var schedule = new LearningRateSchedule(1e-3, 1e-4, 100, 2000);
        Assert.Equal(1e-5, schedule.At(0), 12);
        Assert.Equal(1e-3, schedule.At(99), 12);
        Assert.Equal(1e-4 + 0.5 * 0.9e-3, schedule.At(1050), 12);
        Assert.Equal(1e-4, schedule.At(2000), 12);
        Assert.Equal(1e-4, schedule.At(5000), 12);
    }

    [Fact]
    public void ResumeContinuesExactlyLikeAnUninterruptedRun()
    {
        string straightDir = TestSupport.TempFolder(), splitDir = TestSupport.TempFolder();
        var straight = Trainer.Run(NewTask(3), Options(12, straightDir));

        // Interrupt after step 5 (between evaluations), as Ctrl+C would: the trainer saves last.ckpt and stops.
        using var cancel = new CancellationTokenSource();
        var firstHalf = Trainer.Run(NewTask(3), Options(12, splitDir), onStep: p => { if (p.Step == 5) cancel.Cancel(); }, cancel: cancel.Token);
        Assert.True(firstHalf.Interrupted);
        Assert.Equal(6, firstHalf.NextStep);
        // A fresh process would build a new model with another initialisation: resume must overwrite all of it.
        var resumed = Trainer.Run(NewTask(3, initSeed: 99), Options(12, splitDir), resumeFrom: Path.Combine(splitDir, "last.ckpt"));

        Assert.Equal(straight.TrainLosses, resumed.TrainLosses);
        Assert.Equal(straight.Evaluations, resumed.Evaluations);
        Assert.True(straight.TrainLosses[^1].Loss < straight.TrainLosses[0].Loss);
    }

    /// <summary>A task that asks to stop (as Ctrl+C does) when the n-th evaluation-loss call starts.</summary>
    sealed class StopDuringEvaluation(ITrainingTask inner, CancellationTokenSource cancel, int call) : ITrainingTask
    {
        int calls;
        public string Kind => inner.Kind;
        public nn.Module Model => inner.Model;
        public long TokensPerBatch => inner.TokensPerBatch;
        public Tensor TrainingLoss(long step, int micro) => inner.TrainingLoss(step, micro);
        public double EvaluationLoss(string split, CancellationToken token)
        {
            if (++calls == call) cancel.Cancel();
            return inner.EvaluationLoss(split, token);
        }
        public System.Text.Json.Nodes.JsonObject Describe() => inner.Describe();
    }

    [Fact]
    public void CtrlCDuringAnEvaluationStopsAtOnceAndTheResumedRunMakesThatEvaluation()
    {
        string straightDir = TestSupport.TempFolder(), splitDir = TestSupport.TempFolder();
        var straight = Trainer.Run(NewTask(5), Options(12, straightDir));

        // Evaluations come after steps 4, 8 and 12, each a "train" then a "valid" call: call 4 is step 8's validation.
        using var cancel = new CancellationTokenSource();
        var firstHalf = Trainer.Run(new StopDuringEvaluation(NewTask(5), cancel, call: 4), Options(12, splitDir), cancel: cancel.Token);
        Assert.True(firstHalf.Interrupted);
        Assert.True(firstHalf.EvaluationPending);
        Assert.Equal(8, firstHalf.NextStep);
        Assert.Single(firstHalf.Evaluations);
        var header = TransformerSharp.Checkpoints.Checkpoint.ReadHeader(Path.Combine(splitDir, "last.ckpt"));
        Assert.True(header.Training!["evaluation_pending"]!.GetValue<bool>());

        var resumed = Trainer.Run(NewTask(5, initSeed: 98), Options(12, splitDir), resumeFrom: Path.Combine(splitDir, "last.ckpt"));
        Assert.False(resumed.EvaluationPending);
        Assert.Equal(straight.TrainLosses, resumed.TrainLosses);
        Assert.Equal(straight.Evaluations, resumed.Evaluations);
        Assert.Equal(straight.BestValidLoss, resumed.BestValidLoss);
    }

    [Fact]
    public void SameSeedSameRunAndBestCheckpointKept()
    {
        string dir = TestSupport.TempFolder();
        var a = Trainer.Run(NewTask(4), Options(8, dir));
        var b = Trainer.Run(NewTask(4), Options(8, null));
        Assert.Equal(a.TrainLosses, b.TrainLosses);
        Assert.True(File.Exists(Path.Combine(dir, "best.ckpt")));
        var (model, tokenizer, metadata) = GptCheckpoint.Load(Path.Combine(dir, "best.ckpt"));
        Assert.Equal(a.BestValidLoss, metadata.Training!["best_valid_loss"]!.GetValue<double>());
        Assert.Equal("char", tokenizer.Kind);
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
    }

    /// <summary>Squared error of one Linear(2, 2) on one example: a task whose gradients are easy to write by hand.</summary>
    sealed class LinearTask : ITrainingTask
    {
        public readonly TorchSharp.Modules.Linear Linear = nn.Linear(2, 2);
        public static readonly double[] X = { 1.0, 2.0 }, Y = { -2.0, 3.0 };
        public string Kind => "linear";
        public nn.Module Model => Linear;
        public long TokensPerBatch => 1;
        public Tensor TrainingLoss(long step, int micro) =>
            (Linear.forward(tensor(X.Select(v => (float)v).ToArray()).unsqueeze(0)) - tensor(Y.Select(v => (float)v).ToArray())).pow(2).sum();
        public double EvaluationLoss(string split, CancellationToken cancel) => double.NaN;
        public System.Text.Json.Nodes.JsonObject Describe() => new();
    }

    [Fact]
    public void OneStepIsAdamWWithDecayOnMatricesOnlyAfterClipping()
    {
        var task = new LinearTask();
        double[,] w = { { 0.5, -0.3 }, { 0.2, 0.4 } };
        double[] b = { 0.1, -0.2 };
        using (no_grad())
        {
            task.Linear.weight!.copy_(tensor(new float[] { 0.5f, -0.3f, 0.2f, 0.4f }).reshape(2, 2));
            task.Linear.bias!.copy_(tensor(new float[] { 0.1f, -0.2f }));
        }
        // Warmup over 2 steps makes the two learning rates differ (0.05, then 0.1): the schedule reaches the optimiser.
        var schedule = new LearningRateSchedule(0.1, 0.01, 2, 10);
        Trainer.Run(task, new TrainerOptions(2, schedule, Seed: 1, WeightDecay: 0.5, Beta1: 0.9, Beta2: 0.99, ClipNorm: 1.0, EvalInterval: 100));

        // The same two steps by hand, in doubles: PyTorch's clip_grad_norm_ and AdamW (decoupled decay, bias correction).
        const double beta1 = 0.9, beta2 = 0.99, eps = 1e-8, decay = 0.5;
        var m = new double[6];
        var v = new double[6];
        for (int t = 1; t <= 2; t++)
        {
            double lr = schedule.At(t - 1);
            var r = new double[2];
            for (int i = 0; i < 2; i++) r[i] = w[i, 0] * LinearTask.X[0] + w[i, 1] * LinearTask.X[1] + b[i] - LinearTask.Y[i];
            var g = new[] { 2 * r[0] * LinearTask.X[0], 2 * r[0] * LinearTask.X[1], 2 * r[1] * LinearTask.X[0], 2 * r[1] * LinearTask.X[1], 2 * r[0], 2 * r[1] };
            double norm = Math.Sqrt(g.Sum(x => x * x));
            Assert.True(norm > 1, "the test needs a gradient that clipping changes");
            double scale = Math.Min(1.0, 1.0 / (norm + 1e-6));
            for (int k = 0; k < 6; k++)
            {
                double gk = g[k] * scale;
                m[k] = beta1 * m[k] + (1 - beta1) * gk;
                v[k] = beta2 * v[k] + (1 - beta2) * gk * gk;
                double update = lr * (m[k] / (1 - Math.Pow(beta1, t))) / (Math.Sqrt(v[k] / (1 - Math.Pow(beta2, t))) + eps);
                if (k < 4) w[k / 2, k % 2] = w[k / 2, k % 2] * (1 - lr * decay) - update;   // matrix: decayed
                else b[k - 4] -= update;                                                       // vector: not decayed
            }
        }
        float[] actualW = task.Linear.weight!.data<float>().ToArray(), actualB = task.Linear.bias!.data<float>().ToArray();
        for (int k = 0; k < 4; k++) Assert.Equal(w[k / 2, k % 2], actualW[k], 5);
        for (int k = 0; k < 2; k++) Assert.Equal(b[k], actualB[k], 5);
    }

    [Fact]
    public void NaNLossStopsWithAClearError()
    {
        var task = NewTask(5);
        var options = new TrainerOptions(5, LearningRateSchedule.Constant(1e6), Seed: 5, ClipNorm: 0, EvalInterval: 100);
        var error = Assert.Throws<UserError>(() => Trainer.Run(task, options));
        Assert.Contains("training loss became", error.Message);
    }
}
