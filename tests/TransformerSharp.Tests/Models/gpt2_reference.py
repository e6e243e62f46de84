"""GPT-2 written in plain PyTorch with Hugging Face modeling_gpt2's semantics: Conv1D layers (x @ W + b, W stored
(in, out)), pre-LayerNorm blocks, causal attention scaled by 1/sqrt(head width), the activation config.json names
("gelu_new": the tanh approximation), the output head tied to wte. Its weights are read by their Hugging Face names
from the directory TransformerSharp exported, with an independent safetensors reader. Prints the logits of the ids.
Usage: gpt2_reference.py FOLDER IDS_JSON   (IDS_JSON: a list of equal-length lists of token ids)"""
import sys, json, os, math
import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Interop"))
from safetensors_numpy import read

folder, ids = sys.argv[1], torch.tensor(json.loads(sys.argv[2]))
cfg = json.load(open(os.path.join(folder, "config.json")))
W = {name: torch.from_numpy(values.astype(np.float32)) for name, (_, values) in read(os.path.join(folder, "model.safetensors"))[0].items()}
width, heads, eps = cfg["n_embd"], cfg["n_head"], cfg["layer_norm_epsilon"]
activation = {
    "gelu_new": lambda x: 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0)))),
    "gelu": torch.nn.functional.gelu,
    "relu": torch.relu,
}[cfg["activation_function"]]

def layer_norm(x, name):
    return torch.nn.functional.layer_norm(x, (width,), W[name + ".weight"], W[name + ".bias"], eps)

def conv1d(x, name):
    return x @ W[name + ".weight"] + W[name + ".bias"]

batch, length = ids.shape
head = width // heads
causal = torch.tril(torch.ones(length, length, dtype=torch.bool))
h = W["wte.weight"][ids] + W["wpe.weight"][:length]
for layer in range(cfg["n_layer"]):
    p = f"h.{layer}."
    q, k, v = conv1d(layer_norm(h, p + "ln_1"), p + "attn.c_attn").split(width, dim=2)
    q, k, v = (t.view(batch, length, heads, head).transpose(1, 2) for t in (q, k, v))
    scores = (q @ k.transpose(-1, -2)) / math.sqrt(head)
    scores = scores.masked_fill(~causal, torch.finfo(scores.dtype).min)
    attended = (scores.softmax(-1) @ v).transpose(1, 2).reshape(batch, length, width)
    h = h + conv1d(attended, p + "attn.c_proj")
    h = h + conv1d(activation(conv1d(layer_norm(h, p + "ln_2"), p + "mlp.c_fc")), p + "mlp.c_proj")
logits = layer_norm(h, "ln_f") @ W["wte.weight"].T
print(json.dumps(logits.tolist()))
