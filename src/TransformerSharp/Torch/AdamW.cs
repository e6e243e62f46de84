using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TransformerSharp.Torch;

/// <summary>
/// TorchSharp's AdamW with the same arithmetic in the same order, and the same state (so checkpoints move between the
/// two), but every number handed to libtorch as a Scalar that stays alive until the call returns. TorchSharp's own
/// step makes its Scalars implicitly, and a collection on another thread can free one mid-call (README, implicit
/// Scalars): a lab's ViT training crashed that way in AdamW.step ("toFloat at c10/core/Scalar.h"). Named AdamW
/// because TorchSharp writes the optimiser's type name into the saved state and refuses another name on loading.
/// </summary>
public sealed class AdamW(IEnumerable<TorchSharp.Modules.AdamW.ParamGroup> groups, double lr, double beta1, double beta2)
    : TorchSharp.Modules.AdamW(groups, lr, beta1, beta2)
{
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var o = (Options)group.Options;
        double beta1 = o.beta1!.Value, beta2 = o.beta2!.Value, decay = o.weight_decay!.Value, eps = o.eps!.Value;
        double rate = o.LearningRate!.Value;
        using Scalar keep = (1 - rate * decay).ToScalar(), beta1Scalar = beta1.ToScalar(), beta2Scalar = beta2.ToScalar();
        using Scalar rest1 = (1 - beta1).ToScalar(), rest2 = (1 - beta2).ToScalar(), epsScalar = eps.ToScalar();
        foreach (var parameter in group.Parameters)
        {
            Tensor? gradient = parameter.grad;
            if (gradient is null) continue;
            using Tensor? negated = o.maximize!.Value ? gradient.neg() : null;
            Tensor grad = negated ?? gradient;
            var state = (State)_state[parameter.Handle];
            state.step += 1;
            parameter.mul_(keep);                                             // decoupled weight decay
            double correction1 = 1 - Math.Pow(beta1, state.step), correction2 = 1 - Math.Pow(beta2, state.step);
            state.exp_avg.mul_(beta1Scalar).add_(grad, rest1);
            state.exp_avg_sq.mul_(beta2Scalar).addcmul_(grad, grad, rest2);
            Tensor second = state.exp_avg_sq;
            if (o.amsgrad!.Value)
            {
                Tensor previous = state.max_exp_avg_sq;
                state.max_exp_avg_sq = maximum(previous, state.exp_avg_sq).DetachFromDisposeScope();
                previous.Dispose();
                second = state.max_exp_avg_sq;
            }
            using Scalar root2 = Math.Sqrt(correction2).ToScalar(), stepSize = (-rate / correction1).ToScalar();
            using Tensor root = second.sqrt();
            using Tensor denominator = root.div(root2).add_(epsScalar, Scalars.One);
            parameter.addcdiv_(state.exp_avg, denominator, stepSize);
        }
    }, closure);
}
