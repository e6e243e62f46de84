"""D2L 11.8's Vision Transformer written in PyTorch (torch.nn.MultiheadAttention for the attention), loaded with the
weights TransformerSharp exported, run in eval mode on the exported images; writes the logits and the last block's
<cls> attention (averaged over heads, as nn.MultiheadAttention returns it)."""
import sys, json, os
import numpy as np
import torch
from torch import nn

folder = sys.argv[1]
config = json.load(open(os.path.join(folder, "config.json")))
W, heads, layers, patch, size = config["width"], config["heads"], config["layers"], config["patch_size"], config["image_size"]

def weight(name):
    shape = config["shapes"][name]
    return torch.from_numpy(np.fromfile(os.path.join(folder, name + ".bin"), dtype=np.float32).reshape(shape))

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(W), nn.LayerNorm(W)
        self.attention = nn.MultiheadAttention(W, heads, bias=False, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(W, config["ffn_width"]), nn.GELU(), nn.Linear(config["ffn_width"], W))
    def forward(self, x):
        h = self.ln1(x)
        a, weights = self.attention(h, h, h, need_weights=True, average_attn_weights=True)
        x = x + a
        return x + self.mlp(self.ln2(x)), weights

class ViT(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, W, kernel_size=patch, stride=patch)
        self.cls = nn.Parameter(torch.zeros(1, 1, W))
        self.pos = nn.Parameter(torch.zeros(1, (size // patch) ** 2 + 1, W))
        self.blocks = nn.ModuleList([Block() for _ in range(layers)])
        self.head = nn.Sequential(nn.LayerNorm(W), nn.Linear(W, 10))
    def forward(self, images):
        x = images.unsqueeze(1)
        if x.shape[-1] != size:
            x = nn.functional.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
        x = (x - config["input_mean"]) / config["input_std"]
        x = self.conv(x).flatten(2).transpose(1, 2)
        x = torch.cat((self.cls.expand(x.shape[0], -1, -1), x), 1) + self.pos
        for block in self.blocks:
            x, weights = block(x)
        return self.head(x[:, 0]), weights[:, 0, 1:]

# Train mode (there is no dropout here): PyTorch 1.13's eval-mode fast path fails on attention without biases.
model = ViT().train()
with torch.no_grad():
    model.conv.weight.copy_(weight("patch_embedding.weight")); model.conv.bias.copy_(weight("patch_embedding.bias"))
    model.cls.copy_(weight("cls_token")); model.pos.copy_(weight("pos_embedding"))
    for i, b in enumerate(model.blocks):
        p = f"blocks.{i}."
        b.ln1.weight.copy_(weight(p + "attention_norm.weight")); b.ln1.bias.copy_(weight(p + "attention_norm.bias"))
        b.ln2.weight.copy_(weight(p + "ffn_norm.weight")); b.ln2.bias.copy_(weight(p + "ffn_norm.bias"))
        b.attention.in_proj_weight.copy_(torch.cat([weight(p + f"attention.W_{n}.weight") for n in "qkv"]))
        b.attention.out_proj.weight.copy_(weight(p + "attention.W_o.weight"))
        b.mlp[0].weight.copy_(weight(p + "ffn.dense1.weight")); b.mlp[0].bias.copy_(weight(p + "ffn.dense1.bias"))
        b.mlp[2].weight.copy_(weight(p + "ffn.dense2.weight")); b.mlp[2].bias.copy_(weight(p + "ffn.dense2.bias"))
    model.head[0].weight.copy_(weight("head_norm.weight")); model.head[0].bias.copy_(weight("head_norm.bias"))
    model.head[1].weight.copy_(weight("head.weight")); model.head[1].bias.copy_(weight("head.bias"))
    images = torch.from_numpy(np.fromfile(os.path.join(folder, "images.bin"), dtype=np.float32).reshape(-1, 28, 28))
    logits, cls_attention = model(images)
logits.numpy().astype(np.float32).tofile(os.path.join(folder, "logits.bin"))
cls_attention.numpy().astype(np.float32).tofile(os.path.join(folder, "cls_attention.bin"))
