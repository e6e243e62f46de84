"""The shakespeare-char-cpu recipe written directly in PyTorch, as a reference for TransformerSharp on the same CPU.

Same model (4 layers, 4 heads, width 128, context 64, no biases, tied head, GPT-2 initialisation), same data split,
same AdamW / warmup / cosine schedule / clipping, evaluation on 20 batches every 250 steps. Prints the losses,
the wall time and ms per iteration. Debian: apt-get install python3-torch.

usage: python3 shakespeare_char_pytorch.py INPUT.txt [SEED] [THREADS] [STEPS]
"""
import math
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

path = sys.argv[1]
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1337
threads = int(sys.argv[3]) if len(sys.argv) > 3 else torch.get_num_threads()
torch.manual_seed(seed)
torch.set_num_threads(threads)

LAYERS, HEADS, WIDTH, CONTEXT, BATCH = 4, 4, 128, 64, 12
STEPS = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
PEAK, FLOOR, WARMUP = 1e-3, 1e-4, 100

text = open(path, encoding="utf-8").read()
vocabulary = sorted(set(text))
index = {c: i for i, c in enumerate(vocabulary)}
data = torch.tensor([index[c] for c in text], dtype=torch.long)
cut = int(0.9 * len(data))
splits = {"train": data[:cut], "valid": data[cut:]}


def batch(split, generator=None):
    source = splits[split]
    starts = torch.randint(len(source) - CONTEXT, (BATCH,), generator=generator)
    x = torch.stack([source[s:s + CONTEXT] for s in starts])
    y = torch.stack([source[s + 1:s + 1 + CONTEXT] for s in starts])
    return x, y


class Norm(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(WIDTH))

    def forward(self, x):
        return F.layer_norm(x, (WIDTH,), self.weight, None, 1e-5)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1, self.norm2 = Norm(), Norm()
        self.qkv = nn.Linear(WIDTH, 3 * WIDTH, bias=False)
        self.attn_out = nn.Linear(WIDTH, WIDTH, bias=False)
        self.up = nn.Linear(WIDTH, 4 * WIDTH, bias=False)
        self.down = nn.Linear(4 * WIDTH, WIDTH, bias=False)
        self.register_buffer("future", torch.triu(torch.ones(CONTEXT, CONTEXT, dtype=torch.bool), 1))

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = self.qkv(self.norm1(x)).split(WIDTH, dim=2)
        q, k, v = (z.view(b, t, HEADS, -1).transpose(1, 2) for z in (q, k, v))
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
        scores = scores.masked_fill(self.future[:t, :t], float("-inf"))
        mixed = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, WIDTH)
        x = x + self.attn_out(mixed)
        return x + self.down(F.gelu(self.up(self.norm2(x))))


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.tokens = nn.Embedding(len(vocabulary), WIDTH)
        self.positions = nn.Embedding(CONTEXT, WIDTH)
        self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.norm = Norm()
        for name, p in self.named_parameters():
            if name.endswith("weight") and p.dim() >= 2:
                std = 0.02 / math.sqrt(2 * LAYERS) if name.endswith(("attn_out.weight", "down.weight")) else 0.02
                nn.init.normal_(p, 0.0, std)

    def forward(self, ids, targets):
        x = self.tokens(ids) + self.positions(torch.arange(ids.shape[1]))
        for block in self.blocks:
            x = block(x)
        logits = self.norm(x) @ self.tokens.weight.T
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1))


def rate(step):
    if step < WARMUP:
        return PEAK * (step + 1) / WARMUP
    progress = (step - WARMUP) / (STEPS - WARMUP)
    return FLOOR + 0.5 * (1 + math.cos(math.pi * progress)) * (PEAK - FLOOR)


@torch.no_grad()
def evaluate(model):
    model.eval()
    out = {}
    for split in ("train", "valid"):
        g = torch.Generator().manual_seed(seed + (1 if split == "train" else 2))
        out[split] = sum(model(*batch(split, g)).item() for _ in range(20)) / 20
    model.train()
    return out


model = Model()
decay = [p for p in model.parameters() if p.dim() >= 2]
no_decay = [p for p in model.parameters() if p.dim() < 2]
optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                              lr=PEAK, betas=(0.9, 0.99))
print(f"parameters {sum(p.numel() for p in model.parameters()):,}, threads {threads}, torch {torch.__version__}")
start = time.time()
for step in range(STEPS):
    for group in optimizer.param_groups:
        group["lr"] = rate(step)
    loss = model(*batch("train"))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    if (step + 1) % 250 == 0 or step + 1 == STEPS:
        losses = evaluate(model)
        print(f"step {step + 1}: train loss {losses['train']:.4f}, val loss {losses['valid']:.4f}", flush=True)
elapsed = time.time() - start
print(f"{elapsed:.1f} s, {1000 * elapsed / STEPS:.1f} ms/iteration, {STEPS * BATCH * CONTEXT / elapsed:,.0f} tokens/s")
