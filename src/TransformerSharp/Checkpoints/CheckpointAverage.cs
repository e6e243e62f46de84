using TorchSharp;
using TransformerSharp.Models;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Checkpoints;

/// <summary>
/// Checkpoint averaging (as fairseq's average_checkpoints and Marian's do): the element-wise mean of the parameters of
/// several checkpoints of one run, usually the last few evaluations, which is smoother than any one of them.
/// </summary>
public static class CheckpointAverage
{
    /// <summary>
    /// After a finished run that kept snapshots (KeepCheckpoints > 1), writes their mean to averaged.ckpt in the run's
    /// folder and returns its path; null for an interrupted run or one with fewer than two snapshots.
    /// </summary>
    public static string? AfterRun(Training.TrainingResult result, Training.TrainerOptions options, Action<string> info)
    {
        if (result.Interrupted || options.KeepCheckpoints < 2 || options.OutDir is null) return null;
        var snapshots = Training.Trainer.Snapshots(options.OutDir);
        if (snapshots.Count < 2) return null;
        string averaged = Write(snapshots, Path.Combine(options.OutDir, "averaged.ckpt"));
        info($"averaged the models of the last {snapshots.Count} evaluations: {averaged}");
        return averaged;
    }

    /// <summary>Writes the mean of the checkpoints' parameters to <paramref name="output"/>, with the last one's header; returns it.</summary>
    public static string Write(IReadOnlyList<string> checkpoints, string output)
    {
        if (checkpoints.Count == 0) throw new UserError("no checkpoints to average");
        var (first, firstHeader) = ModelRegistry.Load(checkpoints[0]);
        using var model = first;
        var sums = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        string config = firstHeader.Config.ToJsonString();
        CheckpointHeader header = firstHeader;
        try
        {
            foreach (string path in checkpoints.Skip(1))
            {
                var (other, otherHeader) = ModelRegistry.Load(path, firstHeader.Kind);
                using var _ = other;
                if (otherHeader.Config.ToJsonString() != config)
                    throw new UserError($"{path}: its config differs from {checkpoints[0]}'s; only checkpoints of one model can be averaged");
                foreach (var (name, parameter) in other.named_parameters()) sums[name].add_(parameter.detach(), Scalars.One);
                header = otherHeader;
            }
            using (no_grad())
                foreach (var (name, parameter) in model.named_parameters()) parameter.copy_(sums[name].DivideInPlace(checkpoints.Count));
        }
        finally { foreach (var sum in sums.Values) sum.Dispose(); }
        var metadata = (System.Text.Json.Nodes.JsonObject)header.Metadata.DeepClone();
        metadata["averaged"] = new System.Text.Json.Nodes.JsonArray(checkpoints.Select(c => (System.Text.Json.Nodes.JsonNode)Path.GetFileName(c)).ToArray());
        Checkpoint.Save(output, header.Kind, metadata, model);
        return output;
    }
}
