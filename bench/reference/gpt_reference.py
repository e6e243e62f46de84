"""TransformerSharp's GPT recipe written directly in PyTorch: the reference our GPT training is held against.

Default: the shakespeare-char-cpu preset (nanoGPT's CPU recipe: 4 layers, 4 heads, width 128, context 64, batch 12,
no biases, tied head, GPT-2 initialisation, AdamW 1e-3 → 1e-4 with 100 warmup steps, weight decay 0.1 on matrices,
betas (0.9, 0.99), clip 1.0, 2,000 steps, 20 evaluation batches every 250 steps). Prints losses, wall time, ms/step.

--export DIR writes what a number-for-number comparison needs and skips evaluation: the initial weights under
TransformerSharp's parameter names (DIR/init/NAME.bin, float32), the training windows drawn (DIR/starts.bin,
int64, steps × batch), the loss of every step (DIR/losses.txt) and the final weights (DIR/final/NAME.bin), with
DIR/manifest.json naming shapes and settings. tests/…/GptReferenceParityTests.cs trains our GPT from the same
weights on the same windows and compares.

Debian 12: apt-get install python3-torch libopenblas0-pthread. Without OpenBLAS, Debian's torch uses the reference
BLAS and runs the preset at 1.9 s/step; with it, 71 ms/step on one thread (measured). Use --threads 1 with
OPENBLAS_NUM_THREADS=1: two threads were 2.3x slower on the 2-core VM.
"""
import argparse
import json
import math
import os
import time

import torch
import torch.nn.functional as F
from torch import nn

parser = argparse.ArgumentParser()
parser.add_argument("data")
parser.add_argument("--seed", type=int, default=1337)
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--steps", type=int, default=2000)
parser.add_argument("--layers", type=int, default=4)
parser.add_argument("--heads", type=int, default=4)
parser.add_argument("--width", type=int, default=128)
parser.add_argument("--context", type=int, default=64)
parser.add_argument("--batch", type=int, default=12)
parser.add_argument("--warmup", type=int, default=100)
parser.add_argument("--eval-batches", type=int, default=20)
parser.add_argument("--export")
args = parser.parse_args()
torch.manual_seed(args.seed)
torch.set_num_threads(args.threads)
PEAK, FLOOR, DECAY, BETAS, CLIP = 1e-3, 1e-4, 0.1, (0.9, 0.99), 1.0

text = open(args.data, encoding="utf-8").read()
vocabulary = sorted(set(text))
index = {c: i for i, c in enumerate(vocabulary)}
data = torch.tensor([index[c] for c in text], dtype=torch.long)
cut = int(0.9 * len(data))
splits = {"train": data[:cut], "valid": data[cut:]}


def windows(split, starts):
    source = splits[split]
    x = torch.stack([source[s:s + args.context] for s in starts])
    y = torch.stack([source[s + 1:s + 1 + args.context] for s in starts])
    return x, y


def draw(split, generator=None):
    return torch.randint(len(splits[split]) - args.context, (args.batch,), generator=generator)


class Norm(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(args.width))

    def forward(self, x):
        return F.layer_norm(x, (args.width,), self.weight, None, 1e-5)


class CausalSelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_attn = nn.Linear(args.width, 3 * args.width, bias=False)
        self.c_proj = nn.Linear(args.width, args.width, bias=False)
        self.register_buffer("future", torch.triu(torch.ones(args.context, args.context, dtype=torch.bool), 1))

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = self.c_attn(x).split(args.width, dim=2)
        q, k, v = (z.view(b, t, args.heads, -1).transpose(1, 2) for z in (q, k, v))
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
        scores = scores.masked_fill(self.future[:t, :t], float("-inf"))
        return self.c_proj((scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, args.width))


class FeedForward(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense1 = nn.Linear(args.width, 4 * args.width, bias=False)
        self.dense2 = nn.Linear(4 * args.width, args.width, bias=False)

    def forward(self, x):
        return self.dense2(F.gelu(self.dense1(x)))


class Block(nn.Module):
    """TransformerSharp's shared TransformerBlock in its pre-norm GPT-2 form (Layers/TransformerBlock.cs)."""

    def __init__(self):
        super().__init__()
        self.attention_norm, self.attention, self.ffn_norm = Norm(), CausalSelfAttention(), Norm()
        self.ffn = FeedForward()

    def forward(self, x):
        x = x + self.attention(self.attention_norm(x))
        return x + self.ffn(self.ffn_norm(x))


class Positions(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(args.context, args.width)


class Gpt(nn.Module):
    """Parameter names are TransformerSharp's (Models/Gpt/Gpt.cs), so weights move across by name."""

    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(len(vocabulary), args.width)
        self.wpe = Positions()
        self.h = nn.ModuleList(Block() for _ in range(args.layers))
        self.ln_f = Norm()
        for name, p in self.named_parameters():
            if p.dim() >= 2:
                residual = name.endswith("attention.c_proj.weight") or name.endswith("ffn.dense2.weight")
                std = 0.02 / math.sqrt(2 * args.layers) if residual else 0.02
                nn.init.normal_(p, 0.0, std)

    def forward(self, ids, targets):
        x = self.wte(ids) + self.wpe.embedding(torch.arange(ids.shape[1]))
        for block in self.h:
            x = block(x)
        logits = self.ln_f(x) @ self.wte.weight.T
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1))


def rate(step):
    if step < args.warmup:
        return PEAK * (step + 1) / args.warmup
    progress = (step - args.warmup) / (args.steps - args.warmup)
    return FLOOR + 0.5 * (1 + math.cos(math.pi * progress)) * (PEAK - FLOOR)


@torch.no_grad()
def evaluate(model):
    model.eval()
    out = {}
    for split in ("train", "valid"):
        g = torch.Generator().manual_seed(args.seed + (1 if split == "train" else 2))
        out[split] = sum(model(*windows(split, draw(split, g))).item() for _ in range(args.eval_batches)) / args.eval_batches
    model.train()
    return out


def save_weights(model, folder):
    os.makedirs(folder, exist_ok=True)
    for name, p in model.named_parameters():
        p.detach().numpy().astype("<f4").tofile(os.path.join(folder, name + ".bin"))


model = Gpt()
decay = [p for p in model.parameters() if p.dim() >= 2]
no_decay = [p for p in model.parameters() if p.dim() < 2]
optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": DECAY}, {"params": no_decay, "weight_decay": 0.0}],
                              lr=PEAK, betas=BETAS)
if args.export:
    save_weights(model, os.path.join(args.export, "init"))
print(f"parameters {sum(p.numel() for p in model.parameters()):,}, threads {args.threads}, torch {torch.__version__}")
drawn, losses = [], []
start = time.time()
for step in range(args.steps):
    for group in optimizer.param_groups:
        group["lr"] = rate(step)
    starts = draw("train")
    drawn.append(starts)
    loss = model(*windows("train", starts))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
    optimizer.step()
    losses.append(loss.item())
    if not args.export and ((step + 1) % 250 == 0 or step + 1 == args.steps):
        result = evaluate(model)
        print(f"step {step + 1}: train loss {result['train']:.4f}, val loss {result['valid']:.4f}", flush=True)
elapsed = time.time() - start
print(f"{elapsed:.1f} s, {1000 * elapsed / args.steps:.1f} ms/iteration, {args.steps * args.batch * args.context / elapsed:,.0f} tokens/s")
if args.export:
    save_weights(model, os.path.join(args.export, "final"))
    torch.stack(drawn).numpy().astype("<i8").tofile(os.path.join(args.export, "starts.bin"))
    with open(os.path.join(args.export, "losses.txt"), "w") as f:
        f.write("\n".join(repr(v) for v in losses) + "\n")
    with open(os.path.join(args.export, "manifest.json"), "w") as f:
        json.dump({"shapes": {n: list(p.shape) for n, p in model.named_parameters()}, "vocabulary": "".join(vocabulary),
                   "steps": args.steps, "batch": args.batch, "warmup": args.warmup, "peak": PEAK, "floor": FLOOR,
                   "weight_decay": DECAY, "betas": BETAS, "clip": CLIP}, f)
