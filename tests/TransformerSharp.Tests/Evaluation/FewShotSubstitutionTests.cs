using TransformerSharp.Evaluation;
using TransformerSharp.Models.Bert;
using TransformerSharp.Models.Gpt;
using TransformerSharp.Models.Translator;
using TransformerSharp.Training;
using TransformerSharp.Text;
using Xunit;

namespace TransformerSharp.Tests.Evaluation;

public class FewShotSubstitutionTests
{
    [Fact]
    public void TokenizerRoundTripsPromptsAndRejectsJunk()
    {
        var tokenizer = FewShotSubstitution.Tokenizer;
        string prompt = FewShotSubstitution.Prompt(new[] { ('c', 'F'), ('a', 'H') }, 'c');
        Assert.Equal("c>F;a>H;c>", prompt);
        int[] ids = tokenizer.Encode(prompt + "F");
        Assert.Equal(new[] { SubstitutionTokenizer.Pair(2, 5), SubstitutionTokenizer.Pair(0, 7), SubstitutionTokenizer.Query(2), SubstitutionTokenizer.Answer(5) }, ids);
        Assert.Equal(prompt + "F", tokenizer.Decode(ids));
        Assert.Throws<UserError>(() => tokenizer.Encode("c>F;z>"));
    }

    [Fact]
    public void TrainingSequencesFollowOneMappingAndLabelOnlyAnswers()
    {
        var (input, target) = FewShotSubstitution.TrainingSequence(new Random(1), 40);
        Assert.Equal(40, input.Length);
        var mapping = new Dictionary<long, long>();
        for (int t = 0; t < input.Length; t++)
        {
            if (input[t] < 64) mapping[input[t] / 8] = input[t] % 8;                        // a demonstration
            if (target[t] == -100) continue;
            Assert.InRange(input[t], 64, 71);                                                  // answers follow queries
            long source = input[t] - 64, answer = target[t] - 72;
            if (mapping.TryGetValue(source, out long shown)) Assert.Equal(shown, answer);
            mapping[source] = answer;
        }
    }

    [Fact]
    public void AShortTrainingRunLearnsFromThePrompt()
    {
        TestSupport.Seed(50);
        var model = new Gpt(GptPresets.FewShotSubstitution.Model);
        var options = new TrainerOptions(600, new LearningRateSchedule(2e-3, 2e-4, 100, 600), Seed: 50, EvalInterval: 600);
        Trainer.Run(new FewShotSubstitution.Task(model, 32, 50), options);
        var results = FewShotSubstitution.Evaluate(model, new[] { 0, 2, 8 }, trials: 100, seed: 51);
        Assert.InRange(results[0].accuracy, 0.0, 0.3);          // zero-shot can only guess (1 in 8)
        Assert.True(results[1].accuracy > results[0].accuracy, $"2-shot {results[1].accuracy} vs 0-shot {results[0].accuracy}");
        Assert.True(results[2].accuracy > 0.8, $"8-shot accuracy {results[2].accuracy}");
    }
}
