#:project ../src/TransformerSharp/TransformerSharp.csproj
#:property PublishAot=false
// D2L 11.4 — The Bahdanau attention mechanism.
// An RNN encoder–decoder squeezes the whole source sentence into one state. Bahdanau attention lets the decoder, at
// every step, look back at all encoder states: its previous hidden state is the query, the encoder states are keys
// and values, additive attention gives the weights. The context it reads changes with each word it writes.
using TransformerSharp.Evaluation;
using TransformerSharp.Labs;
using TransformerSharp.Models.Translator;
using TransformerSharp.Plots;
using TransformerSharp.Text;
using TransformerSharp.Training;

var lab = Lab.Start(args, "11.4-bahdanau-attention");

// D2L's English–French pairs: --data DIR holding fra-eng/fra.txt, else $TRANSFORMERSHARP_FRA_ENG, else a download.
string text = DataSource.ReadText(DataSource.FraEng, lab.DataPath("fra-eng/fra.txt"));

Lab.Section("Train the book's model");
// Embedding 256, 2 GRU layers of 256, dropout 0.2, Adam at 0.005, 30 epochs over 512 pairs (10 with --quick).
var recipe = TranslatorPresets.D2LBahdanau;
if (lab.Quick) recipe = recipe with { Training = recipe.Training with { Epochs = 10 } };
var outcome = TranslatorTraining.Train(new TranslatorTrainSettings(text, "fra-eng", "d2l", recipe, lab.Seed, lab.File("run")), Lab.Progress());
Console.WriteLine($"trained in {outcome.Result.Elapsed.TotalSeconds:F1} s");

Lab.Section("Translate the book's four sentences");
var translator = outcome.Translator;
var french = translator.Translate(TranslationCorpus.BookExamples.Select(e => e.English).ToList());
for (int i = 0; i < french.Count; i++)
{
    var (english, reference) = TranslationCorpus.BookExamples[i];
    Console.WriteLine($"{english} => {french[i]}, bleu {Bleu.D2L(french[i], reference, 2):F3}");
}

Lab.Section("Where the decoder looked");
// One row per French word written, one column per English token: the weights of its additive attention.
foreach (string file in TranslationAttentionPlots.Write(translator, "i'm home .", lab.File("attention"), interactive: true)) lab.Wrote(file);

// Exercises
// 1. Replace the GRUs by LSTMs (or one layer instead of two) and compare the validation loss after the same epochs.
// 2. Use scaled dot-product attention instead of additive attention. What has to change in the sizes, and is it faster?
// 3. The attention rows for "." and <eos> are often spread out: why might the last words need no single English word?
Lab.Section("Exercises: at the end of this file");
