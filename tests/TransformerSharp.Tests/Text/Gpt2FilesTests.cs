using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;
using TransformerSharp.Text;
using Xunit;

namespace TransformerSharp.Tests.Text;

public class Gpt2FilesTests
{
    const string Sample = "Hello world! It's 2026: naïve café, ÆØÅ, 東京, emoji 🙂, tabs\tand  spaces,\nnew lines and <|endoftext|> text.";

    [Fact]
    public void TheWrittenVocabAndMergesTokenizeAsGpt2ThroughAnotherImplementation()
    {
        string folder = TestSupport.TempFolder();
        Gpt2Files.Write(folder);
        var vocab = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, Gpt2Files.VocabFile)))!.AsObject();
        Assert.Equal(50257, vocab.Count);
        Assert.Equal(50256, vocab[Gpt2Files.EndOfText]!.GetValue<int>());
        Assert.Equal(220, vocab["Ġ"]!.GetValue<int>());                         // GPT-2's byte-level space
        var merges = File.ReadAllLines(Path.Combine(folder, Gpt2Files.MergesFile));
        Assert.Equal("#version: 0.2", merges[0]);
        Assert.Equal("Ġ t", merges[1]);                                         // GPT-2's first merge
        Assert.Equal(50000, merges.Count(l => l.Length > 0) - 1);

        // Microsoft.ML.Tokenizers' byte-level BPE over vocab.json and merges.txt with GPT-2's pre-tokenizing regex, against
        // our GPT-2 tokenizer, which is tiktoken over GPT-2's ranks.
        var vocabulary = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(Path.Combine(folder, Gpt2Files.VocabFile)))!;
        var special = new Dictionary<string, int> { [Gpt2Files.EndOfText] = 50256 };
        var regex = new Regex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+");
        var fromFiles = BpeTokenizer.Create(new BpeOptions(vocabulary)
        {
            Merges = merges.Skip(1).Where(l => l.Length > 0), ByteLevel = true, SpecialTokens = special, PreTokenizer = new RegexPreTokenizer(regex, special),
        });
        var gpt2 = new Gpt2Tokenizer();
        foreach (string text in Sample.Split(',').Append(Sample))
            Assert.Equal(gpt2.Encode(text), fromFiles.EncodeToIds(text).ToArray());
    }

    [Fact]
    public void ReadingRecognisesGpt2sFilesAndRefusesOthers()
    {
        string folder = TestSupport.TempFolder();
        Gpt2Files.Write(folder);
        Assert.Equal("gpt2", Gpt2Files.Read(folder).Kind);
        string merges = Path.Combine(folder, Gpt2Files.MergesFile);
        File.WriteAllLines(merges, File.ReadAllLines(merges).Take(1000));
        var error = Assert.Throws<UserError>(() => Gpt2Files.Read(folder));
        Assert.Contains("is not GPT-2's (50,257 tokens, 999 merges)", error.Message);
        File.Delete(merges);
        Assert.Contains("needs vocab.json and merges.txt, or tokenizer.json", Assert.Throws<UserError>(() => Gpt2Files.Read(folder)).Message);
    }

    [Fact]
    public void ATokenizerJsonAloneIsRecognisedWithMergesInEitherForm()
    {
        string files = TestSupport.TempFolder(), folder = TestSupport.TempFolder();
        Gpt2Files.Write(files);
        var vocab = JsonNode.Parse(File.ReadAllText(Path.Combine(files, Gpt2Files.VocabFile)))!.AsObject();
        vocab.Remove(Gpt2Files.EndOfText);
        var merges = File.ReadAllLines(Path.Combine(files, Gpt2Files.MergesFile)).Skip(1).Where(l => l.Length > 0).ToList();
        foreach (bool pairs in new[] { false, true })
        {
            var json = new JsonObject
            {
                ["added_tokens"] = new JsonArray(new JsonObject { ["id"] = 50256, ["content"] = Gpt2Files.EndOfText, ["special"] = true }),
                ["model"] = new JsonObject
                {
                    ["type"] = "BPE", ["vocab"] = vocab.DeepClone(),
                    ["merges"] = new JsonArray(merges.Select(m => pairs ? new JsonArray(m.Split(' ')[0], m.Split(' ')[1]) : (JsonNode)m).ToArray()),
                },
            };
            File.WriteAllText(Path.Combine(folder, Gpt2Files.FastFile), json.ToJsonString());
            Assert.Equal("gpt2", Gpt2Files.Read(folder).Kind);
        }
    }

    [Theory]
    [InlineData("null", "the file holds null")]
    [InlineData("""{"added_tokens": []}""", "no 'model'")]
    [InlineData("""{"model": {"merges": []}}""", "no 'vocab'")]
    [InlineData("""{"model": {"vocab": {"a": null}, "merges": []}}""", "the id of 'a' is null")]
    [InlineData("""{"model": {"vocab": {}, "merges": [null]}}""", "a merge is null")]
    [InlineData("""{"model": {"vocab": {}, "merges": []}, "added_tokens": [{"id": 3}]}""", "no 'content'")]
    [InlineData("""{"model": {"vocab": {}, "merges": []}, "added_tokens": [null]}""", "no 'content'")]
    [InlineData("""{"model": {"vocab": "a"}}""", "not a tokenizer.json")]
    public void ADamagedTokenizerJsonIsRefusedNamingTheFileAndWhatIsMissing(string json, string message)
    {
        string folder = TestSupport.TempFolder(), path = Path.Combine(folder, Gpt2Files.FastFile);
        File.WriteAllText(path, json);
        var error = Assert.Throws<InvalidDataException>(() => Gpt2Files.Read(folder));
        Assert.StartsWith(path + ": not a tokenizer.json", error.Message);
        Assert.Contains(message, error.Message);
    }
}
