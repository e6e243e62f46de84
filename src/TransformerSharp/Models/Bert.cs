using System.Text.RegularExpressions;
using TorchSharp;
using TorchSharp.Modules;
using TransformerSharp.Attention;
using static TorchSharp.torch;

namespace TransformerSharp.Models;

/// <summary>BERT's size. Presets: D2L's small BERT (15.8) and all-MiniLM-L6-v2 (a 6-layer, 384-wide BERT).</summary>
public sealed record BertConfig(int VocabSize, int Hidden, int Layers, int Heads, int Intermediate, int MaxPositions = 512,
                                int TypeVocab = 2, double Dropout = 0.1, bool Gelu = true, double LayerNormEps = 1e-12, bool Pooler = true,
                                bool EmbeddingNorm = true)
{
    /// <summary>D2L 15.10's small BERT: ReLU, no LayerNorm or dropout on the embeddings, no pooler.</summary>
    public static BertConfig D2LSmall(int vocab) => new(vocab, 128, 2, 2, 256, MaxPositions: 1000, Dropout: 0.2, Gelu: false,
                                                        LayerNormEps: 1e-5, Pooler: false, EmbeddingNorm: false);
    public static BertConfig MiniLM => new(30522, 384, 6, 12, 1536);
}

/// <summary>
/// BERT (D2L 15.8, encoder only): token, segment and learned position embeddings, then post-LayerNorm encoder blocks
/// (the Transformer's <see cref="TransformerEncoderBlock"/> with attention biases), D2L's MLM and NSP heads, and an
/// optional pooler. <see cref="CheckpointName"/> maps standard BERT checkpoint names onto these parameters one to one.
/// </summary>
public sealed class Bert : nn.Module
{
    public BertConfig Config { get; }
    readonly Embedding word_embeddings, token_type_embeddings;
    readonly LearnedPositionalEncoding position;
    readonly LayerNorm embedding_ln;
    readonly Dropout embedding_dropout;
    readonly ModuleList<TransformerEncoderBlock> blocks;
    readonly Linear? pooler;

    public Bert(BertConfig c) : base(nameof(Bert))
    {
        Config = c;
        word_embeddings = nn.Embedding(c.VocabSize, c.Hidden);
        position = new LearnedPositionalEncoding(c.Hidden, dropout: 0.0, c.MaxPositions);
        token_type_embeddings = nn.Embedding(c.TypeVocab, c.Hidden);
        embedding_ln = nn.LayerNorm(c.Hidden, c.LayerNormEps, elementwise_affine: c.EmbeddingNorm);
        embedding_dropout = nn.Dropout(c.Dropout);
        blocks = nn.ModuleList(Enumerable.Range(0, c.Layers)
            .Select(_ => new TransformerEncoderBlock(c.Hidden, c.Heads, c.Intermediate, c.Dropout, bias: true, c.Gelu, c.LayerNormEps)).ToArray());
        if (c.Pooler) pooler = nn.Linear(c.Hidden, c.Hidden);
        RegisterComponents();
    }

    /// <summary>
    /// tokens (batch, len), segments (batch, len), validLens (batch): how many leading tokens of each row are real
    /// (the rest is padding that no position attends to) → hidden states (batch, len, hidden).
    /// </summary>
    public Tensor forward(Tensor tokens, Tensor? segments = null, Tensor? validLens = null)
    {
        if (tokens.shape[1] > Config.MaxPositions)
            throw new ArgumentException($"{tokens.shape[1]} tokens exceed BERT's {Config.MaxPositions} positions; truncate the input");
        using var scope = NewDisposeScope();
        Tensor x = position.forward(word_embeddings.forward(tokens));                       // (batch, len, hidden)
        x = x + token_type_embeddings.forward(segments ?? zeros_like(tokens));
        if (Config.EmbeddingNorm) x = embedding_dropout.forward(embedding_ln.forward(x));
        foreach (var block in blocks) x = block.forward(x, validLens);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>BERT's pooler: tanh(W · hidden state of the first token).</summary>
    public Tensor Pool(Tensor hidden) =>
        pooler is null ? throw new InvalidOperationException("this BERT has no pooler") : pooler.forward(hidden[TensorIndex.Colon, 0]).tanh();

    /// <summary>Sentence embeddings as sentence-transformers computes them: mean over real tokens, then L2 normalisation.</summary>
    public static Tensor MeanPooledEmbedding(Tensor hidden, Tensor validLens)
    {
        using var scope = NewDisposeScope();
        Tensor mask = arange(hidden.shape[1], device: hidden.device).unsqueeze(0).lt(validLens.unsqueeze(1)).to(hidden.dtype).unsqueeze(2);
        Tensor mean = (hidden * mask).sum(1) / mask.sum(1).clamp_min(1e-9);                 // (batch, hidden)
        return nn.functional.normalize(mean, p: 2, dim: 1).MoveToOuterDisposeScope();
    }

    /// <summary>Our parameter name for a standard BERT checkpoint name (Hugging Face layout), or null if it has none.</summary>
    public static string? CheckpointName(string name)
    {
        name = Regex.Replace(name, @"^(bert\.)", "");
        var layer = Regex.Match(name, @"^encoder\.layer\.(\d+)\.(.+)\.(weight|bias)$");
        if (layer.Success)
        {
            string part = layer.Groups[2].Value switch
            {
                "attention.self.query" => "attention.W_q",
                "attention.self.key" => "attention.W_k",
                "attention.self.value" => "attention.W_v",
                "attention.output.dense" => "attention.W_o",
                "attention.output.LayerNorm" => "addnorm1.ln",
                "intermediate.dense" => "ffn.dense1",
                "output.dense" => "ffn.dense2",
                "output.LayerNorm" => "addnorm2.ln",
                _ => "",
            };
            return part.Length == 0 ? null : $"blocks.{layer.Groups[1].Value}.{part}.{layer.Groups[3].Value}";
        }
        return name switch
        {
            "embeddings.word_embeddings.weight" => "word_embeddings.weight",
            "embeddings.position_embeddings.weight" => "position.embedding.weight",
            "embeddings.token_type_embeddings.weight" => "token_type_embeddings.weight",
            "embeddings.LayerNorm.weight" => "embedding_ln.weight",
            "embeddings.LayerNorm.bias" => "embedding_ln.bias",
            "pooler.dense.weight" => "pooler.weight",
            "pooler.dense.bias" => "pooler.bias",
            _ => null,
        };
    }
}

/// <summary>D2L 15.8.5: predicts the masked tokens from their hidden states (Linear, ReLU, LayerNorm, Linear).</summary>
public sealed class MaskLM : nn.Module
{
    readonly Sequential mlp;
    public MaskLM(int vocab, int hidden) : base(nameof(MaskLM))
    {
        mlp = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.LayerNorm(hidden), nn.Linear(hidden, vocab));
        RegisterComponents();
    }

    /// <summary>hidden (batch, len, hidden), positions (batch, predictions) → logits (batch, predictions, vocab).</summary>
    public Tensor forward(Tensor hidden, Tensor positions)
    {
        long batch = hidden.shape[0], count = positions.shape[1];
        Tensor rows = arange(batch, device: hidden.device).repeat_interleave(count);
        Tensor picked = hidden[rows, positions.reshape(-1)].reshape(batch, count, -1);
        return mlp.forward(picked);
    }
}

/// <summary>D2L 15.8.5: next-sentence prediction from the &lt;cls&gt; state through tanh(Linear), then Linear to 2 classes.</summary>
public sealed class NextSentencePred : nn.Module<Tensor, Tensor>
{
    readonly Linear hidden, output;
    public NextSentencePred(int width) : base(nameof(NextSentencePred))
    {
        hidden = nn.Linear(width, width);
        output = nn.Linear(width, 2);
        RegisterComponents();
    }
    public override Tensor forward(Tensor encoded) => output.forward(hidden.forward(encoded[TensorIndex.Colon, 0]).tanh());
}

/// <summary>D2L 15.8.6's BERTModel for pretraining: the encoder, the MLM head and the NSP head.</summary>
public sealed class BertForPretraining : nn.Module
{
    readonly Bert bert;
    readonly MaskLM mlm;
    readonly NextSentencePred nsp;

    public BertForPretraining(BertConfig config) : base(nameof(BertForPretraining))
    {
        bert = new Bert(config);
        mlm = new MaskLM(config.VocabSize, config.Hidden);
        nsp = new NextSentencePred(config.Hidden);
        RegisterComponents();
    }

    public Bert Encoder => bert;

    /// <summary>MLM loss averaged over real predictions (weights 1) and NSP loss; their sum is what D2L minimises.</summary>
    public (Tensor mlm, Tensor nsp) Losses(Tensor tokens, Tensor segments, Tensor validLens, Tensor positions, Tensor weights, Tensor labels, Tensor nspLabels)
    {
        using var scope = NewDisposeScope();
        Tensor encoded = bert.forward(tokens, segments, validLens);
        Tensor logits = mlm.forward(encoded, positions);                                   // (batch, predictions, vocab)
        Tensor perToken = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), labels.reshape(-1), reduction: nn.Reduction.None);
        Tensor mlmLoss = (perToken * weights.reshape(-1)).sum() / (weights.sum() + 1e-8);
        Tensor nspLoss = nn.functional.cross_entropy(nsp.forward(encoded), nspLabels);
        return (mlmLoss.MoveToOuterDisposeScope(), nspLoss.MoveToOuterDisposeScope());
    }
}

/// <summary>D2L 16.7: a sentence-pair classifier on BERT — the pooled first-token state through a linear layer.</summary>
public sealed class BertClassifier : nn.Module
{
    readonly Bert bert;
    readonly Linear? hidden;
    readonly Linear output;

    public BertClassifier(Bert bert, int classes) : base(nameof(BertClassifier))
    {
        this.bert = bert;
        // Without a pretrained pooler (D2L's small BERT), a fresh tanh layer plays its part.
        if (!bert.Config.Pooler) hidden = nn.Linear(bert.Config.Hidden, bert.Config.Hidden);
        output = nn.Linear(bert.Config.Hidden, classes);
        RegisterComponents();
    }

    public Bert Encoder => bert;

    public Tensor forward(Tensor tokens, Tensor segments, Tensor validLens)
    {
        using var scope = NewDisposeScope();
        Tensor encoded = bert.forward(tokens, segments, validLens);
        Tensor pooled = hidden is null ? bert.Pool(encoded) : hidden.forward(encoded[TensorIndex.Colon, 0]).tanh();
        return output.forward(pooled).MoveToOuterDisposeScope();
    }
}
