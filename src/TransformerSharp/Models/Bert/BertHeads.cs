using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TransformerSharp.Models.Bert;

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
        mlm = new MaskLM(config.VocabSize, config.Width);
        nsp = new NextSentencePred(config.Width);
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
        if (!bert.Config.Pooler) hidden = nn.Linear(bert.Config.Width, bert.Config.Width);
        output = nn.Linear(bert.Config.Width, classes);
        RegisterComponents();
    }

    public Bert Encoder => bert;
    /// <summary>The output layer over the pooled first token (BertForSequenceClassification's classifier).</summary>
    public Linear Head => output;

    public Tensor forward(Tensor tokens, Tensor segments, Tensor validLens)
    {
        using var scope = NewDisposeScope();
        Tensor encoded = bert.forward(tokens, segments, validLens);
        Tensor pooled = hidden is null ? bert.Pool(encoded) : hidden.forward(encoded[TensorIndex.Colon, 0]).tanh();
        return output.forward(pooled).MoveToOuterDisposeScope();
    }
}
