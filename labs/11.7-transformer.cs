#:project ../src/TransformerSharp/TransformerSharp.csproj
#:property PublishAot=false
// D2L 11.7 — The Transformer architecture. "Let's make one!"
// No recurrence: the encoder is a stack of blocks, each multi-head self-attention then a position-wise feed-forward
// network, each wrapped in a residual connection and layer normalisation; positions come from the sinusoidal table.
// The decoder adds a masked self-attention (a word may not look at later words) and attention to the encoder output.
using TransformerSharp.Evaluation;
using TransformerSharp.Labs;
using TransformerSharp.Models.Translator;
using TransformerSharp.Plots;
using TransformerSharp.Text;
using TransformerSharp.Training;

var lab = Lab.Start(args, "11.7-transformer");
string text = DataSource.ReadText(DataSource.FraEng, lab.DataPath("fra-eng/fra.txt"));

Lab.Section("Train the book's Transformer");
// 2 blocks, 256 wide, 4 heads, feed-forward 64, dropout 0.2; Adam 0.001; 30 epochs over 512 pairs (20 with --quick).
var recipe = TranslatorPresets.D2L;
if (lab.Quick) recipe = recipe with { Training = recipe.Training with { Epochs = 20 } };
var outcome = TranslatorTraining.Train(new TranslatorTrainSettings(text, "fra-eng", "d2l", recipe, lab.Seed, lab.File("run")), Lab.Progress());
Console.WriteLine($"trained in {outcome.Result.Elapsed.TotalSeconds:F1} s");
var translator = outcome.Translator;
Console.WriteLine($"{translator.Model.GetType().Name}: {((TorchSharp.torch.nn.Module)translator.Model).parameters().Sum(p => p.numel()):N0} parameters");

Lab.Section("The book's table");
var french = translator.Translate(TranslationCorpus.BookExamples.Select(e => e.English).ToList());
for (int i = 0; i < french.Count; i++)
{
    var (english, reference) = TranslationCorpus.BookExamples[i];
    string tokens = "[" + string.Join(", ", french[i].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => $"'{w}'")) + "]";
    Console.WriteLine($"{english} => {tokens}, bleu,{Bleu.D2L(french[i], reference, 2):F3}");
}

Lab.Section("Encoder self-attention and encoder–decoder attention");
// Encoder: per block, one panel per head, each English token attending to the others (padding gets nothing).
// Decoder: per block, each French word written attending to the English tokens.
foreach (string file in TranslationAttentionPlots.Write(translator, "i'm home .", lab.File("attention"), interactive: true)) lab.Wrote(file);

// Exercises
// 1. Train with 4 blocks instead of 2 (TransformerConfig's Layers). Does the validation loss improve on 512 pairs?
// 2. Drop the positional encoding (set it to zeros): which of the four sentences still translate, and why?
// 3. Post-norm (as here and in the original paper) against pre-norm: read the block's code and switch it.
Lab.Section("Exercises: at the end of this file");
