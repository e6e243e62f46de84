#:project ../src/TransformerSharp/TransformerSharp.csproj
#:property PublishAot=false
// D2L 11.9 — Large-scale pretraining with Transformers.
// Three ways to use one architecture. Encoder-only (BERT): every token sees the whole input; good representations of
// text, here MiniLM's sentence embeddings. Encoder–decoder (T5): pretrained by filling in dropped spans, then every task
// is text in, text out — here, summarizing a dialogue. Decoder-only (GPT): predict the next token; prompted with a few
// examples, it can pick up a task from the prompt alone (in-context learning).
using TransformerSharp.Evaluation;
using TransformerSharp.Generation;
using TransformerSharp.Labs;
using TransformerSharp.Models.Bert;
using TransformerSharp.Models.Gpt;
using TransformerSharp.Models.T5;
using TransformerSharp.Plots;
using TransformerSharp.Text;
using TransformerSharp.Training;

var lab = Lab.Start(args, "11.9-large-scale-pretraining");

Lab.Section("BERT (encoder-only): sentence embeddings and their similarities");
// all-MiniLM-L6-v2, a real pretrained encoder (shipped inside a NuGet package): mean of its last hidden states, unit length.
string[] sentences =
{
    "A man is playing a guitar.", "Someone plays music.", "A woman is slicing vegetables.",
    "Dinner is being prepared.", "The stock market fell today.", "Shares dropped sharply.",
};
var (embeddings, _, _) = SentenceEmbedder.MiniLM().Embed(sentences);
var similarity = new double[sentences.Length, sentences.Length];
for (int i = 0; i < sentences.Length; i++)
    for (int j = 0; j < sentences.Length; j++)
        similarity[i, j] = embeddings[i].Zip(embeddings[j], (a, b) => (double)a * b).Sum();   // cosine: both have unit length
for (int i = 0; i < sentences.Length; i += 2) Console.WriteLine($"{sentences[i],-32} ~ {sentences[i + 1],-28} cosine {similarity[i, i + 1]:F3}");
var labels = sentences.Select(s => s.Length > 18 ? s[..18] + "…" : s).ToList();
AttentionHeatmap.Save(lab.Wrote(lab.File("similarity.png")), similarity, "Cosine similarity of MiniLM embeddings", "sentence", "sentence", labels, labels);
InteractiveCharts.SaveHeatmap(lab.Wrote(lab.File("similarity.html")), similarity, "Cosine similarity of MiniLM embeddings", "sentence", "sentence", labels, labels);

Lab.Section("T5 (encoder–decoder): span corruption");
// 15 % of the tokens dropped in spans of mean length 3; each span becomes a sentinel in the input, and the target lists
// the sentinels with what they replaced.
string[] words = "I love this red car because it is fast and it is comfortable to drive every day".Split(' ');
int vocab = words.Length + 1 + T5Tokenizer.SentinelCount;
string Token(int id) => id < words.Length ? words[id] : id == words.Length ? "</s>" : T5Tokenizer.Sentinel(vocab - 1 - id);
var (inputs, targets) = SpanCorruption.Corrupt(Enumerable.Range(0, words.Length).ToArray(), vocab, words.Length, new Random((int)lab.Seed));
Console.WriteLine($"inputs:  {string.Join(' ', inputs.Select(Token))}");
Console.WriteLine($"targets: {string.Join(' ', targets.Select(Token))}");

Lab.Section("T5: fine-tuned to summarize dialogues");
// A tiny T5, fine-tuned briefly on DialogSum (`t5 pretrain` and `t5 finetune --preset dialogsum-cpu` are the real run).
string? dialogSum = lab.DataPath("dialogsum") ?? Environment.GetEnvironmentVariable(DialogSum.EnvironmentVariable);
if (dialogSum is null || !Directory.Exists(dialogSum))
    Console.WriteLine($"skipped: no DialogSum (pass --data DIR holding dialogsum/, or set ${DialogSum.EnvironmentVariable})");
else
{
    var recipe = T5Presets.Tiny with
    {
        Merges = 1000, MaxSourceLength = 256, MaxTargetLength = 32,
        Finetuning = T5Presets.Tiny.Finetuning with { Iterations = lab.Quick ? 300 : 3000, BatchSize = 16, Evaluations = 3 },
    };
    var run = T5Training.Finetune(new T5FinetuneSettings(dialogSum, null, null, "tiny", recipe, lab.Seed, lab.File("t5"),
                                                         MaxTrainSamples: lab.Quick ? 2000 : null), Lab.Progress());
    var summarizer = Summarizer.Load(lab.File("t5/best.ckpt"));
    var test = DialogSum.Read(DialogSum.SplitFile(dialogSum, "test")).Take(2).ToList();
    var summaries = summarizer.Generate(test.Select(d => d.Text).ToList(), new T5Decoding(Beam: 1, MaxLength: 32));
    for (int i = 0; i < test.Count; i++)
        Console.WriteLine($"dialogue {test[i].Id}:\n  model:     {summaries[i]}\n  reference: {test[i].Summaries[0]}");
}

Lab.Section("GPT (decoder-only): generation");
string? shakespeare = lab.DataPath("tinyshakespeare/input.txt");
if (shakespeare is null || !File.Exists(shakespeare))
    Console.WriteLine("skipped: no Tiny Shakespeare (pass --data DIR holding tinyshakespeare/input.txt)");
else
{
    // nanoGPT's character-level CPU recipe: 4 layers, 4 heads, width 128, context 64 (200 of its 2,000 steps with --quick).
    var recipe = GptPresets.ShakespeareCharCpu;
    if (lab.Quick) recipe = recipe with { Training = recipe.Training with { Iterations = 200, EvalInterval = 100 } };
    var gpt = GptTraining.Train(new GptTrainSettings(shakespeare, recipe, lab.Seed, lab.File("gpt")), Lab.Progress());
    Console.WriteLine(TextGenerator.Generate(gpt.Model, gpt.Tokenizer, "ROMEO:", new SamplingOptions(MaxNewTokens: 200, Temperature: 0.8, Seed: lab.Seed)));
}

Lab.Section("GPT: accuracy against the number of shots");
// Each prompt demonstrates a fresh random mapping of a–h to A–H ("c>F;a>H;") and ends with a query ("e>"): the answer
// can only come from the prompt. A model trained on such sequences learns to read its prompt.
var fewShot = GptPresets.FewShotSubstitution;
if (lab.Quick) fewShot = fewShot with { Training = fewShot.Training with { Iterations = 600 } };
var (model, _) = GptTraining.TrainFewShot(fewShot, lab.Seed, lab.File("fewshot"), Lab.Progress());
int[] shots = { 0, 1, 2, 4, 8 };
var accuracy = FewShotSubstitution.Evaluate(model!, shots, trials: lab.Quick ? 100 : 400, seed: lab.Seed + 1);
foreach (var (k, a) in accuracy) Console.WriteLine($"{k} shots: {a,6:P1}   (an ideal in-context learner: {FewShotSubstitution.IdealAccuracy(k):P1})");
var xs = shots.Select(k => (double)k).ToList();
LinePlots.Save(lab.Wrote(lab.File("fewshot.png")), new[]
{
    new Series("model", xs, accuracy.Select(a => a.accuracy).ToList()),
    new Series("ideal in-context learner", xs, shots.Select(FewShotSubstitution.IdealAccuracy).ToList()),
}, "In-context learning of a random substitution", "demonstrations in the prompt", "exact-match accuracy");

// Exercises
// 1. Embed a sentence and its negation ("The food was good." / "The food was not good."). How similar are they, and
//    what does that say about what mean-pooled embeddings capture?
// 2. Corrupt with noise density 0.5 instead of 0.15. How do the input and target lengths change, and why would that
//    make pretraining cheaper or harder?
// 3. Evaluate the few-shot model with demonstrations that contradict each other (the same letter mapped twice).
//    Which one does it follow?
Lab.Section("Exercises: at the end of this file");
