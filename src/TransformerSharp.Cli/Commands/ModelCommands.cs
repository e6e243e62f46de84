using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using TransformerSharp.Interop;
using TransformerSharp.Models;

namespace TransformerSharp.Cli.Commands;

/// <summary>presets [NAME], info --model CKPT and export: what a recipe means, what a checkpoint holds, the checkpoint for Hugging Face.</summary>
public static class ModelCommands
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Presets(CliContext context)
    {
        var name = new Argument<string?>("name") { Description = "show only this preset", Arity = ArgumentArity.ZeroOrOne };
        var family = new Option<string?>("--family") { Description = "show only this family's presets (gpt, translator, bert, vit, t5)" };
        var command = new Command("presets", "Every family's named recipes (model, training, data), as --preset uses them.") { name, family };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            var all = ModelCatalog.Presets();
            string? wanted = parse.GetValue(name), wantedFamily = parse.GetValue(family);
            var inFamily = all.Where(p => wantedFamily is null || p.Family == wantedFamily).ToList();
            if (inFamily.Count == 0) throw new UserError($"no family '{wantedFamily}': use one of {string.Join(", ", all.Select(p => p.Family).Distinct())}");
            // Names repeat across families (translator and vit both have d2l): each family's is shown.
            var shown = inFamily.Where(p => wanted is null || p.Name == wanted).ToList();
            if (shown.Count == 0) throw new UserError($"no preset '{wanted}': use one of {string.Join(", ", inFamily.Select(p => p.Name).Distinct())}");
            foreach (var preset in shown)
            {
                context.Console.Write(new Rule($"{preset.Family} · {preset.Name}").LeftJustified());
                context.Console.MarkupLineInterpolated($"{preset.Description}");
                context.Console.Profile.Out.Writer.WriteLine(preset.Recipe.ToJsonString(Indented));
            }
            return 0;
        }));
        return command;
    }

    public static Command Info(CliContext context)
    {
        var model = new Option<FileInfo>("--model") { Description = "any TransformerSharp checkpoint", Required = true };
        var command = new Command("info", "A checkpoint as one JSON object: kind, parameters, config, tokenizer, training state.") { model };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            context.Console.Profile.Out.Writer.WriteLine(ModelCatalog.Describe(parse.GetValue(model)!.FullName).ToJsonString(Indented));
            return 0;
        }));
        return command;
    }

    public static Command Export(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "a gpt, bert, bert-nli or t5 checkpoint, or minilm (the bundled all-MiniLM-L6-v2)", Required = true };
        var format = new Option<string>("--format") { Description = "hf: a Hugging Face directory (config.json, model.safetensors, tokenizer files)", DefaultValueFactory = _ => "hf" };
        format.AcceptOnlyFromAmong("hf");
        var outDir = new Option<DirectoryInfo>("--out") { Description = "the directory to write", Required = true };
        var command = new Command("export", "Write a model as a Hugging Face directory that transformers (and --pretrained) loads.") { model, format, outDir };
        command.SetAction(parse => context.Guard(parse, () =>
        {
            string source = parse.GetValue(model)!;
            if (source != HuggingFaceExport.MiniLmName && !File.Exists(source)) throw new UserError($"--model {source}: no such checkpoint (or minilm)");
            foreach (string file in HuggingFaceExport.Export(source, parse.GetValue(outDir)!.FullName))
                context.Console.MarkupLineInterpolated($"wrote {file}");
            return 0;
        }));
        return command;
    }
}
