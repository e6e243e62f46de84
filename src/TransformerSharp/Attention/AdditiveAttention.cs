using TorchSharp;
using TorchSharp.Modules;
using TransformerSharp.Torch;
using static TorchSharp.torch;

namespace TransformerSharp.Attention;

/// <summary>D2L 11.3.4: additive (Bahdanau) attention, score = w_vᵀ tanh(W_q q + W_k k), for queries and keys of different sizes.</summary>
public sealed class AdditiveAttention : nn.Module
{
    readonly Linear W_q, W_k, w_v;
    readonly FastDropout dropout;

    public AdditiveAttention(long querySize, long keySize, long numHiddens, double dropout = 0.0) : base(nameof(AdditiveAttention))
    {
        W_q = nn.Linear(querySize, numHiddens, hasBias: false);
        W_k = nn.Linear(keySize, numHiddens, hasBias: false);
        w_v = nn.Linear(numHiddens, 1, hasBias: false);
        this.dropout = new FastDropout(dropout);
        RegisterComponents();
    }

    /// <summary>The weights of the last forward call, (batch, queries, keys); owned by the caller's dispose scope.</summary>
    public Tensor? AttentionWeights { get; private set; }

    /// <summary>queries (batch, q, querySize), keys (batch, k, keySize), values (batch, k, v) → (batch, q, v).</summary>
    public Tensor forward(Tensor queries, Tensor keys, Tensor values, Tensor? validLens = null)
    {
        using var scope = NewDisposeScope();
        Tensor q = W_q.forward(queries).unsqueeze(2);                    // (batch, q, 1, hidden)
        Tensor k = W_k.forward(keys).unsqueeze(1);                       // (batch, 1, k, hidden)
        Tensor features = (q + k).tanh();                                // (batch, q, k, hidden)
        Tensor scores = w_v.forward(features).squeeze(-1);               // (batch, q, k)
        Tensor weights = MaskedSoftmax.Apply(scores, validLens);
        Tensor output = bmm(dropout.forward(weights), values);           // (batch, q, v)
        AttentionWeights = weights.MoveToOuterDisposeScope();
        return output.MoveToOuterDisposeScope();
    }
}
