"""T5 written in plain PyTorch with Hugging Face modeling_t5's semantics (RMS norm, unscaled attention, relative position
buckets, ReLU or gated tanh-GELU feed-forward, tied or untied output), its weights read by their Hugging Face names from
the Hugging Face directory TransformerSharp exported (config.json, model.safetensors read by an independent reader);
writes the logits of the given source and decoder ids (eval mode, no dropout). Usage: t5_reference.py FOLDER BATCH"""
import sys, json, os, math
import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Interop"))
from safetensors_numpy import read

folder, batch_size = sys.argv[1], int(sys.argv[2])
cfg = json.load(open(os.path.join(folder, "config.json")))
weights = {name: torch.from_numpy(values.astype(np.float32)) for name, (_, values) in read(os.path.join(folder, "model.safetensors"))[0].items()}
d_model, d_kv, heads = cfg["d_model"], cfg["d_kv"], cfg["num_heads"]
buckets, max_distance, eps = cfg["relative_attention_num_buckets"], cfg["relative_attention_max_distance"], cfg["layer_norm_epsilon"]
gated, tied = cfg["feed_forward_proj"] == "gated-gelu", cfg["tie_word_embeddings"]
decoder_layers = cfg["num_decoder_layers"] or cfg["num_layers"]
NEG = torch.finfo(torch.float32).min

def w(name):
    return weights[name]

def ids(name, rows):
    return torch.from_numpy(np.fromfile(os.path.join(folder, name + ".bin"), dtype=np.int64).reshape(rows, -1))

def rms(x, weight):
    variance = x.to(torch.float32).pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))

def bucket(relative, bidirectional):
    result, n = 0, buckets
    if bidirectional:
        n //= 2
        result += (relative > 0).to(torch.long) * n
        relative = torch.abs(relative)
    else:
        relative = -torch.min(relative, torch.zeros_like(relative))
    exact = n // 2
    large = exact + (torch.log(relative.float() / exact) / math.log(max_distance / exact) * (n - exact)).to(torch.long)
    large = torch.min(large, torch.full_like(large, n - 1))
    return result + torch.where(relative < exact, relative, large)

def position_bias(table, queries, keys, bidirectional):
    relative = torch.arange(keys)[None, :] - torch.arange(queries)[:, None]
    return table[bucket(relative, bidirectional)].permute(2, 0, 1).unsqueeze(0)

def attention(x, memory, prefix, bias, mask):
    batch, length = x.shape[:2]
    def project(t, name):
        return (t @ w(f"{prefix}.{name}.weight").T).view(batch, -1, heads, d_kv).transpose(1, 2)
    q, k, v = project(x, "q"), project(memory, "k"), project(memory, "v")
    scores = q @ k.transpose(3, 2) + mask
    if bias is not None:
        scores = scores + bias
    out = (scores.softmax(-1) @ v).transpose(1, 2).reshape(batch, length, heads * d_kv)
    return out @ w(f"{prefix}.o.weight").T

def feed_forward(x, prefix):
    if gated:
        h = torch.nn.functional.gelu(x @ w(prefix + ".wi_0.weight").T, approximate="tanh") * (x @ w(prefix + ".wi_1.weight").T)
    else:
        h = torch.relu(x @ w(prefix + ".wi.weight").T)
    return h @ w(prefix + ".wo.weight").T

with torch.no_grad():
    source, source_mask = ids("source", batch_size), ids("source_mask", batch_size)
    target = ids("decoder_input", batch_size)
    shared = w("shared.weight")
    padding = (1.0 - source_mask[:, None, None, :].float()) * NEG
    x = shared[source]
    bias = position_bias(w("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"), source.shape[1], source.shape[1], True)
    for i in range(cfg["num_layers"]):
        p = f"encoder.block.{i}.layer."
        x = x + attention(rms(x, w(p + "0.layer_norm.weight")), rms(x, w(p + "0.layer_norm.weight")), p + "0.SelfAttention", bias, padding)
        x = x + feed_forward(rms(x, w(p + "1.layer_norm.weight")), p + "1.DenseReluDense")
    memory = rms(x, w("encoder.final_layer_norm.weight"))

    length = target.shape[1]
    causal = (1.0 - torch.tril(torch.ones(length, length)))[None, None] * NEG
    y = shared[target]
    bias = position_bias(w("decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"), length, length, False)
    for i in range(decoder_layers):
        p = f"decoder.block.{i}.layer."
        h = rms(y, w(p + "0.layer_norm.weight"))
        y = y + attention(h, h, p + "0.SelfAttention", bias, causal)
        y = y + attention(rms(y, w(p + "1.layer_norm.weight")), memory, p + "1.EncDecAttention", None, padding)
        y = y + feed_forward(rms(y, w(p + "2.layer_norm.weight")), p + "2.DenseReluDense")
    y = rms(y, w("decoder.final_layer_norm.weight"))
    logits = (y * d_model ** -0.5) @ shared.T if tied else y @ w("lm_head.weight").T
logits.numpy().astype(np.float32).tofile(os.path.join(folder, "logits.bin"))
