using TorchSharp;
using static TorchSharp.torch;

namespace TransformerSharp.Interop;

/// <summary>Where one of our parameters lives in a Hugging Face checkpoint; Transposed: stored (in, out), as GPT-2's Conv1D.</summary>
public sealed record HuggingFaceName(string Name, bool Transposed = false);

/// <summary>
/// Moves weights between our modules and Hugging Face state dicts through a family's naming rule. Every parameter
/// must be found with its exact shape; a checkpoint tensor the family does not know is an error naming it, unless the
/// family says it may be left out (tied copies, causal-mask buffers, heads we do not have).
/// </summary>
public static class HuggingFaceWeights
{
    /// <summary>Our parameters under their Hugging Face names and layouts, in our parameter order.</summary>
    public static List<(string name, Tensor value)> Export(nn.Module model, Func<string, HuggingFaceName> name) =>
        model.named_parameters().Select(p =>
        {
            var target = name(p.name);
            return (target.Name, target.Transposed ? p.parameter.detach().t() : p.parameter.detach());
        }).ToList();

    /// <summary>Copies the checkpoint's tensors into the model's parameters (under no_grad).</summary>
    /// <param name="ignorable">checkpoint names the model has no parameter for and may leave out.</param>
    public static void Import(nn.Module model, IReadOnlyDictionary<string, Tensor> tensors, Func<string, HuggingFaceName> name,
                              Func<string, bool> ignorable, string source)
    {
        using var noGrad = no_grad();
        var used = new HashSet<string>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var (ours, parameter) in model.named_parameters())
        {
            var theirs = name(ours);
            if (!tensors.TryGetValue(theirs.Name, out var value)) { missing.Add(theirs.Name); continue; }
            using var oriented = theirs.Transposed ? value.t() : value.alias();
            if (!oriented.shape.SequenceEqual(parameter.shape))
                throw new InvalidDataException($"{source}: '{theirs.Name}' has shape [{string.Join(", ", value.shape)}] but the config needs " +
                                               $"[{string.Join(", ", theirs.Transposed ? parameter.shape.Reverse() : parameter.shape)}]");
            parameter.copy_(oriented);
            used.Add(theirs.Name);
        }
        if (missing.Count > 0)
            throw new InvalidDataException($"{source}: {missing.Count} weights the config needs are missing, first {string.Join(", ", missing.Take(5))}");
        var unknown = tensors.Keys.Where(k => !used.Contains(k) && !ignorable(k)).ToList();
        if (unknown.Count > 0)
            throw new InvalidDataException($"{source}: {unknown.Count} weights this build does not implement, first {string.Join(", ", unknown.Take(5))}");
    }
}
