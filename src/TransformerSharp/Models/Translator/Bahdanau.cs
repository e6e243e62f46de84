using TorchSharp;
using TorchSharp.Modules;
using TransformerSharp.Attention;
using static TorchSharp.torch;

namespace TransformerSharp.Models.Translator;

/// <summary>
/// D2L 11.4: a GRU encoder (10.7) and a GRU decoder that, at every step, attends over the encoder states with additive
/// attention, using its last layer's hidden state as the query, and feeds the context beside the token embedding.
/// </summary>
public sealed class Bahdanau : nn.Module, ISeq2SeqModel
{
    public BahdanauConfig Config { get; }
    readonly Embedding src_embedding, tgt_embedding;
    readonly GRU encoder_rnn, decoder_rnn;
    readonly AdditiveAttention attention;
    readonly Linear dense;
    readonly List<Tensor> stepWeights = new();

    public Bahdanau(BahdanauConfig c) : base(nameof(Bahdanau))
    {
        Config = c;
        src_embedding = nn.Embedding(c.SourceVocabSize, c.EmbeddingWidth);
        encoder_rnn = nn.GRU(c.EmbeddingWidth, c.Width, c.Layers, dropout: c.Dropout);
        tgt_embedding = nn.Embedding(c.TargetVocabSize, c.EmbeddingWidth);
        attention = new AdditiveAttention(c.Width, c.Width, c.Width, c.Dropout);
        decoder_rnn = nn.GRU(c.EmbeddingWidth + c.Width, c.Width, c.Layers, dropout: c.Dropout);
        dense = nn.Linear(c.Width, c.TargetVocabSize);
        RegisterComponents();
        // D2L's init_seq2seq: Xavier-uniform Linear and GRU weight matrices.
        using var noGrad = no_grad();
        foreach (var (name, p) in named_parameters())
            if (p.dim() == 2 && !name.Contains("embedding")) nn.init.xavier_uniform_(p);
    }

    public nn.Module Module => this;

    sealed class State(Tensor encoderOutputs, Tensor hidden, Tensor validLens) : IDecoderState
    {
        public Tensor EncoderOutputs = encoderOutputs.DetachFromDisposeScope();   // (batch, steps, hidden)
        public Tensor Hidden = hidden.DetachFromDisposeScope();                   // (layers, batch, hidden)
        public Tensor ValidLens = validLens.DetachFromDisposeScope();

        public void Update(Tensor hidden)
        {
            Hidden.Dispose();
            Hidden = hidden.DetachFromDisposeScope();
        }

        public void Reorder(Tensor indices)
        {
            Tensor e = EncoderOutputs.index_select(0, indices).DetachFromDisposeScope();
            Tensor h = Hidden.index_select(1, indices).DetachFromDisposeScope();
            Tensor v = ValidLens.index_select(0, indices).DetachFromDisposeScope();
            Dispose();
            (EncoderOutputs, Hidden, ValidLens) = (e, h, v);
        }

        public void Dispose()
        {
            EncoderOutputs.Dispose();
            Hidden.Dispose();
            ValidLens.Dispose();
        }
    }

    (Tensor outputs, Tensor hidden) Encode(Tensor source)
    {
        var (outputs, hidden) = encoder_rnn.forward(src_embedding.forward(source.t()));   // (steps, batch, hidden), (layers, batch, hidden)
        return (outputs.permute(1, 0, 2), hidden);
    }

    /// <summary>Runs the decoder over tokens (batch, T) one position at a time; returns logits and the final hidden state.</summary>
    (Tensor logits, Tensor hidden) Decode(Tensor tokens, Tensor encoderOutputs, Tensor hidden, Tensor validLens)
    {
        stepWeights.Clear();
        Tensor embedded = tgt_embedding.forward(tokens).permute(1, 0, 2);                   // (T, batch, embedding)
        var outputs = new List<Tensor>();
        for (int t = 0; t < embedded.shape[0]; t++)
        {
            Tensor query = hidden[-1].unsqueeze(1);                                          // (batch, 1, hidden)
            Tensor context = attention.forward(query, encoderOutputs, encoderOutputs, validLens); // (batch, 1, hidden)
            stepWeights.Add(attention.AttentionWeights!);
            Tensor input = cat(new[] { context, embedded[t].unsqueeze(1) }, -1);              // (batch, 1, hidden + embedding)
            var (output, next) = decoder_rnn.forward(input.permute(1, 0, 2), hidden);
            outputs.Add(output);
            hidden = next;
        }
        Tensor logits = dense.forward(cat(outputs.ToArray(), 0)).permute(1, 0, 2);           // (batch, T, vocab)
        return (logits, hidden);
    }

    public Tensor Logits(Tensor source, Tensor sourceValidLens, Tensor decoderInput)
    {
        var (outputs, hidden) = Encode(source);
        return Decode(decoderInput, outputs, hidden, sourceValidLens).logits;
    }

    public IDecoderState Start(Tensor source, Tensor sourceValidLens)
    {
        var (outputs, hidden) = Encode(source);
        return new State(outputs, hidden, sourceValidLens.clone());
    }

    public Tensor Step(Tensor lastTokens, IDecoderState state)
    {
        var s = (State)state;
        var (logits, hidden) = Decode(lastTokens, s.EncoderOutputs, s.Hidden, s.ValidLens);
        s.Update(hidden);
        return logits;
    }

    public IReadOnlyList<AttentionMap> AttentionMaps =>
        stepWeights.Count > 0 && !stepWeights[^1].IsInvalid
            ? new[] { new AttentionMap(AttentionKind.Cross, 1, "decoder additive attention", stepWeights[^1]) }
            : Array.Empty<AttentionMap>();
}
