"""Writes a torchaudio wav2vec2/HuBERT model as a Hugging Face model folder.

Shared by the fixture generator and the benchmarks, which run /usr/bin/python3 (Debian's
python3-torch 1.13 and python3-torchaudio 0.13). torchaudio's submodules already carry
Hugging Face's attribute names; only the two container prefixes differ.
"""
import json
import os
import struct

import torch

_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}


class RegressionHead(torch.nn.Module):
    """audEERING's head: out_proj(tanh(dense(pooled))), keys classifier.dense.* / classifier.out_proj.*."""

    def __init__(self, hidden, n_out):
        super().__init__()
        self.dense = torch.nn.Linear(hidden, hidden)
        self.out_proj = torch.nn.Linear(hidden, n_out)

    def forward(self, pooled):
        return self.out_proj(torch.tanh(self.dense(pooled)))


def hf_state_dict(ta_model, prefix="", weight_norm_spelling="weight_g"):
    """torchaudio Wav2Vec2Model state dict -> HF key names (optionally under `prefix`)."""
    out = {}
    for key, value in ta_model.state_dict().items():
        if key.startswith("aux."):
            continue
        key = key.replace("encoder.feature_projection.", "feature_projection.", 1)
        key = key.replace("encoder.transformer.", "encoder.", 1)
        if weight_norm_spelling == "parametrizations":
            key = key.replace("pos_conv_embed.conv.weight_g", "pos_conv_embed.conv.parametrizations.weight.original0")
            key = key.replace("pos_conv_embed.conv.weight_v", "pos_conv_embed.conv.parametrizations.weight.original1")
        out[prefix + key] = value.detach().clone()
    return out


def write_safetensors(path, tensors, metadata=None):
    """Minimal safetensors writer (the `safetensors` wheel is not available from Debian)."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        data = t.view(torch.uint8).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
        header[name] = {"dtype": _DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = metadata
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def write_folder(folder, tensors, config, preprocessor=None, fmt="safetensors"):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    if preprocessor is not None:
        with open(os.path.join(folder, "preprocessor_config.json"), "w") as f:
            json.dump(preprocessor, f, indent=2)
    if fmt == "safetensors":
        write_safetensors(os.path.join(folder, "model.safetensors"), tensors, {"format": "pt"})
    else:
        torch.save(tensors, os.path.join(folder, "pytorch_model.bin"))


def hf_config(model_type, *, hidden, layers, heads, intermediate, conv, norm, conv_bias, stable,
              pos_kernel, pos_groups, id2label=None, architectures=None, **extra):
    """A config.json dict in Hugging Face's field names. `conv` is a list of (dim, kernel, stride)."""
    cfg = {
        "model_type": model_type,
        "architectures": architectures or (["HubertModel"] if model_type == "hubert" else ["Wav2Vec2Model"]),
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": intermediate,
        "conv_dim": [c[0] for c in conv],
        "conv_kernel": [c[1] for c in conv],
        "conv_stride": [c[2] for c in conv],
        "conv_bias": conv_bias,
        "feat_extract_norm": norm,
        "feat_extract_activation": "gelu",
        "hidden_act": "gelu",
        "do_stable_layer_norm": stable,
        "num_conv_pos_embeddings": pos_kernel,
        "num_conv_pos_embedding_groups": pos_groups,
        "layer_norm_eps": 1e-5,
        "hidden_dropout": 0.1,
        "attention_dropout": 0.1,
        "activation_dropout": 0.1,
        "feat_proj_dropout": 0.0,
        "final_dropout": 0.1,
        "layerdrop": 0.1,
        "mask_time_prob": 0.05,
        "mask_time_length": 10,
        "mask_time_min_masks": 2,
        "apply_spec_augment": True,
    }
    if model_type == "hubert":
        cfg["feat_proj_layer_norm"] = True
    if id2label:
        cfg["id2label"] = {str(i): n for i, n in enumerate(id2label)}
        cfg["label2id"] = {n: i for i, n in enumerate(id2label)}
    cfg.update(extra)
    return cfg
