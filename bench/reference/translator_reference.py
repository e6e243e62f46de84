"""TransformerSharp's D2L translator recipe written directly in PyTorch: the reference our translator's speed is held against.

Default: the d2l preset (`translate train`): D2L 11.7's Transformer (width 256, 2 + 2 post-norm blocks, 4 heads, FFN 64,
dropout 0.2, no attention biases, embeddings scaled by sqrt(256) plus sinusoidal positions), D2L's data (the first
641 lines of fra.txt, lower-cased, a space before , . ! ?; 512 pairs to train, the rest to validate; words seen twice;
9 steps), masked cross-entropy, Adam(W) lr 1e-3 without decay, clip 1.0, batch 128, 30 epochs, and after each epoch the
mean loss over the training and validation pairs (as ours evaluates). Prints the vocabulary sizes, losses and
"trained in S s".

--random SRC TGT BATCH STEPS trains on random ids of that shape instead (the full preset's shape is 5881 9211 256 10)
and prints target tokens/s of the training steps after a warm-up, as the benchmark's TranslationBenchmarks does.

Parameter names are TransformerSharp's (Models/Translator/Transformer.cs, Layers/TransformerBlock.cs).
Debian 12: apt-get install python3-torch libopenblas0-pthread; run with OPENBLAS_NUM_THREADS=1 (see gpt_reference.py).
"""
import argparse
import math
import time
from collections import Counter

import torch
import torch.nn.functional as F
from torch import nn

parser = argparse.ArgumentParser()
parser.add_argument("data", nargs="?")
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--epochs", type=int, default=30)
parser.add_argument("--random", type=int, nargs=4, metavar=("SRC", "TGT", "BATCH", "STEPS"))
parser.add_argument("--iterations", type=int, default=10, help="timed steps with --random (after 3 warm-up steps)")
args = parser.parse_args()
torch.manual_seed(args.seed)
torch.set_num_threads(args.threads)
WIDTH, LAYERS, HEADS, FFN, DROPOUT, LR, CLIP, BATCH, NUM_STEPS = 256, 2, 4, 64, 0.2, 1e-3, 1.0, 128, 9
PAD = 0


class PositionalEncoding(nn.Module):
    def __init__(self, max_len=1000):
        super().__init__()
        self.dropout = nn.Dropout(DROPOUT)
        position = torch.arange(max_len, dtype=torch.float32).reshape(-1, 1)
        angle = position / torch.pow(10000, torch.arange(0, WIDTH, 2, dtype=torch.float32) / WIDTH)
        table = torch.zeros(max_len, WIDTH)
        table[:, 0::2], table[:, 1::2] = torch.sin(angle), torch.cos(angle)
        self.register_buffer("table", table)

    def forward(self, x):
        return self.dropout(x + self.table[: x.shape[1]])


class MultiHeadAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.W_q, self.W_k, self.W_v, self.W_o = (nn.Linear(WIDTH, WIDTH, bias=False) for _ in range(4))
        self.dropout = nn.Dropout(DROPOUT)

    def forward(self, queries, keys, lens=None, causal=False):
        b, q, k = queries.shape[0], queries.shape[1], keys.shape[1]
        split = lambda x: x.reshape(b, x.shape[1], HEADS, -1).permute(0, 2, 1, 3)
        Q, K, V = split(self.W_q(queries)), split(self.W_k(keys)), split(self.W_v(keys))
        scores = Q @ K.transpose(-2, -1) / math.sqrt(Q.shape[-1])              # (b, heads, q, k)
        keep = torch.ones(b, 1, q, k, dtype=torch.bool)
        if lens is not None:
            keep = keep & (torch.arange(k).reshape(1, 1, 1, k) < lens.reshape(b, 1, 1, 1))
        if causal:
            keep = keep & (torch.arange(k).reshape(1, k) <= torch.arange(q).reshape(q, 1))
        weights = scores.masked_fill(~keep, -1e6).softmax(-1)
        out = (self.dropout(weights) @ V).permute(0, 2, 1, 3).reshape(b, q, WIDTH)
        return self.W_o(out)


class FeedForward(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense1, self.dense2 = nn.Linear(WIDTH, FFN), nn.Linear(FFN, WIDTH)

    def forward(self, x):
        return self.dense2(F.relu(self.dense1(x)))


class Block(nn.Module):
    """Post-norm: x = norm(x + dropout(sublayer(x))) for self-attention, cross-attention (decoder), feed-forward."""

    def __init__(self, decoder):
        super().__init__()
        self.attention = MultiHeadAttention()
        self.cross_attention = MultiHeadAttention() if decoder else None
        self.attention_norm = nn.LayerNorm(WIDTH)
        self.cross_attention_norm = nn.LayerNorm(WIDTH) if decoder else None
        self.ffn_norm = nn.LayerNorm(WIDTH)
        self.ffn = FeedForward()
        self.dropout = nn.Dropout(DROPOUT)
        self.decoder = decoder

    def forward(self, x, lens=None, memory=None, memory_lens=None):
        x = self.attention_norm(x + self.dropout(self.attention(x, x, lens, causal=self.decoder)))
        if self.decoder:
            x = self.cross_attention_norm(x + self.dropout(self.cross_attention(x, memory, memory_lens)))
        return self.ffn_norm(x + self.dropout(self.ffn(x)))


class Transformer(nn.Module):
    def __init__(self, source_vocab, target_vocab):
        super().__init__()
        self.src_embedding, self.tgt_embedding = nn.Embedding(source_vocab, WIDTH), nn.Embedding(target_vocab, WIDTH)
        self.src_pos, self.tgt_pos = PositionalEncoding(), PositionalEncoding()
        self.encoder = nn.ModuleList(Block(False) for _ in range(LAYERS))
        self.decoder = nn.ModuleList(Block(True) for _ in range(LAYERS))
        self.dense = nn.Linear(WIDTH, target_vocab)

    def forward(self, source, lens, decoder_input):
        x = self.src_pos(self.src_embedding(source) * math.sqrt(WIDTH))
        for block in self.encoder:
            x = block(x, lens)
        y = self.tgt_pos(self.tgt_embedding(decoder_input) * math.sqrt(WIDTH))
        for block in self.decoder:
            y = block(y, memory=x, memory_lens=lens)
        return self.dense(y)


def masked_loss(logits, label):
    per_token = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), label.reshape(-1), reduction="none")
    mask = (label.reshape(-1) != PAD).float()
    return (per_token * mask).sum() / mask.sum().clamp(min=1)


def train_step(model, optimizer, source, lens, decoder_input, label):
    optimizer.zero_grad(set_to_none=True)
    loss = masked_loss(model(source, lens, decoder_input), label)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
    optimizer.step()
    return loss


def d2l_data(path):
    text = open(path, encoding="utf-8").read().replace("\u202f", " ").replace("\xa0", " ")
    chars = [(" " + c if i > 0 and c in ",.!?" and text[i - 1] != " " else c) for i, c in enumerate(text.lower())]
    pairs = []
    for i, line in enumerate("".join(chars).split("\n")):
        if i > 640:
            break
        parts = line.rstrip("\r").split("\t")
        if len(parts) == 2:
            pairs.append(tuple((p + " <eos>").split() for p in parts))
    pad = lambda t: t[:NUM_STEPS] + ["<pad>"] * max(0, NUM_STEPS - len(t))

    def vocabulary(sentences):
        counts = Counter(t for s in sentences for t in s)
        tokens = ["<pad>", "<bos>", "<eos>", "<unk>"]
        tokens += sorted((t for t, c in counts.items() if c >= 2 and t not in tokens), key=lambda t: (-counts[t], t))
        return {t: i for i, t in enumerate(tokens)}

    src_vocab = vocabulary(pad(s) for s, _ in pairs)
    tgt_vocab = vocabulary(["<bos>"] + pad(t) for _, t in pairs)
    ids = lambda vocab, tokens: [vocab.get(t, vocab["<unk>"]) for t in tokens]
    source = torch.tensor([ids(src_vocab, pad(s)) for s, _ in pairs])
    target = torch.tensor([ids(tgt_vocab, ["<bos>"] + pad(t)) for _, t in pairs])
    lens = (source != PAD).sum(1)
    return len(src_vocab), len(tgt_vocab), source, lens, target[:, :-1], target[:, 1:]


@torch.no_grad()
def evaluate(model, tensors, rows):
    model.eval()
    total, count = 0.0, 0
    for start in range(0, len(rows), BATCH):
        s, l, d, y = (t[rows[start:start + BATCH]] for t in tensors)
        tokens = int((y != PAD).sum())
        total += masked_loss(model(s, l, d), y).item() * tokens
        count += tokens
    model.train()
    return total / max(1, count)


if args.random:
    src_vocab, tgt_vocab, batch, steps = args.random
    model = Transformer(src_vocab, tgt_vocab)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.0)
    source, target = torch.randint(4, src_vocab, (batch, steps)), torch.randint(4, tgt_vocab, (batch, steps))
    lens = torch.full((batch,), steps)
    for _ in range(3):
        train_step(model, optimizer, source, lens, target, target)
    times = []
    for _ in range(args.iterations):
        start = time.perf_counter()
        train_step(model, optimizer, source, lens, target, target)
        times.append(time.perf_counter() - start)
    median = sorted(times)[len(times) // 2]
    print(f"torch {torch.__version__}, threads {args.threads}: {batch * steps / median:,.0f} target tokens/s ({1000 * median:.1f} ms/step)")
else:
    src_size, tgt_size, *tensors = d2l_data(args.data)
    train_rows, valid_rows = torch.arange(0, 512), torch.arange(512, len(tensors[0]))
    model = Transformer(src_size, tgt_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.0)
    print(f"vocabulary {src_size}/{tgt_size}, {len(train_rows)} + {len(valid_rows)} pairs, threads {args.threads}, torch {torch.__version__}")
    start = time.time()
    for epoch in range(args.epochs):
        order = train_rows[torch.randperm(len(train_rows))]
        for first in range(0, len(order), BATCH):
            loss = train_step(model, optimizer, *(t[order[first:first + BATCH]] for t in tensors))
        print(f"epoch {epoch + 1}: train loss {evaluate(model, tensors, train_rows):.4f}, val loss {evaluate(model, tensors, valid_rows):.4f}", flush=True)
    print(f"trained in {time.time() - start:.1f} s")
