using System.CommandLine;
using TransformerSharp.Models.Gpt;
using TransformerSharp.Text;

namespace TransformerSharp.Cli.Commands;

/// <summary>Where a verb's model comes from: one of our checkpoints (--model) or a Hugging Face directory (--pretrained).</summary>
public static class ModelSource
{
    public static Option<FileInfo?> Checkpoint(string what) => new("--model") { Description = what };

    public static Option<DirectoryInfo?> Pretrained(string family) =>
        new("--pretrained") { Description = $"a Hugging Face {family} directory (config.json, model.safetensors, tokenizer files), instead of --model" };

    /// <summary>The checkpoint's path or the directory's, whichever of the two was given (exactly one must be).</summary>
    public static (string? checkpoint, string? directory) Choose(ParseResult parse, Option<FileInfo?> model, Option<DirectoryInfo?> pretrained)
    {
        string? checkpoint = parse.GetValue(model)?.FullName, directory = parse.GetValue(pretrained)?.FullName;
        if ((checkpoint is null) == (directory is null)) throw new UserError("give either --model CKPT or --pretrained DIR");
        return (checkpoint, directory);
    }

    public static (Gpt model, ITokenizer tokenizer) Gpt(ParseResult parse, Option<FileInfo?> model, Option<DirectoryInfo?> pretrained)
    {
        var (checkpoint, directory) = Choose(parse, model, pretrained);
        if (directory is not null) return GptHuggingFace.Load(directory);
        var (gpt, tokenizer, _) = GptCheckpoint.Load(checkpoint!);
        return (gpt, tokenizer);
    }
}
