#!/usr/bin/python3
"""Reference fixtures for the wav2vec2 / HuBERT parity tests (test/fixtures/models/).

Run with Debian's python3-torch 1.13 / python3-torchaudio 0.13:
    /usr/bin/python3 scripts/gen-model-fixtures.py
The reference is torchaudio's own wav2vec2 implementation; the folders are written in Hugging
Face layout by hf_export.py. Our own code here is only HF's do_normalize rule and the
audEERING head (mean pooling, dense -> tanh -> out_proj), both a few lines.
"""
import json
import os
import sys

import numpy as np
import torch
import torchaudio.models as ta

sys.path.insert(0, os.path.dirname(__file__))
import hf_export as hf  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "models")
CONV = [(32, 10, 5), (32, 3, 2), (32, 3, 2), (32, 3, 2), (32, 3, 2), (32, 2, 2), (32, 2, 2)]
H, LAYERS, HEADS, FFN = 32, 3, 4, 64
LABELS = ["arousal", "dominance", "valence"]


def build(norm, conv_bias, pre_ln, pos_kernel, seed):
    torch.manual_seed(seed)
    model = ta.wav2vec2_model("group_norm" if norm == "group" else "layer_norm", CONV, conv_bias, H, 0.0, pos_kernel,
                              4, LAYERS, HEADS, 0.0, FFN, 0.0, 0.0, pre_ln, 0.0, None).eval()
    with torch.no_grad():  # random affine parameters, so that they are really tested
        for name, p in model.named_parameters():
            if "layer_norm" in name:
                p.copy_(1 + 0.1 * torch.randn_like(p) if name.endswith("weight") else 0.1 * torch.randn_like(p))
    return model


def normalise(x):
    x64 = x.astype(np.float64)
    return ((x64 - x64.mean()) / np.sqrt(x64.var() + 1e-7)).astype(np.float32)


def inputs_for(lengths, seed, zeros=()):
    g = torch.Generator().manual_seed(seed)
    out = []
    for i, n in enumerate(lengths):
        if i in zeros:
            out.append(np.zeros(n, np.float32))
            continue
        t = torch.arange(n, dtype=torch.float64) / 16000
        f = 120 + 300 * torch.rand(1, generator=g).item()
        x = 0.1 * torch.randn(n, generator=g, dtype=torch.float64) + 0.3 * torch.sin(2 * np.pi * f * t)
        out.append(x.float().numpy())
    return out


def reference(model, head, inputs, do_normalize):
    outputs = []
    for x in inputs:
        xin = normalise(x) if do_normalize else x
        with torch.no_grad():
            hidden, _ = model(torch.from_numpy(xin)[None])
            hidden = hidden[0]
            pooled = hidden.mean(0)  # float32 torch mean over frames
            o = {"frames": hidden.shape[0], "last_hidden_state": rounded(hidden.flatten()), "pooled": rounded(pooled)}
            if head is not None:
                dense, out_proj = head
                o["logits"] = rounded(out_proj(torch.tanh(dense(pooled))))
        outputs.append(o)
    return outputs


def rounded(t):
    return [float(f"{v:.9g}") for v in t.tolist()]


def head_modules(seed):
    torch.manual_seed(seed)
    return torch.nn.Linear(H, H).eval(), torch.nn.Linear(H, 3).eval()


def add_head(sd, head):
    dense, out_proj = head
    sd["classifier.dense.weight"] = dense.weight.detach().clone()
    sd["classifier.dense.bias"] = dense.bias.detach().clone()
    sd["classifier.out_proj.weight"] = out_proj.weight.detach().clone()
    sd["classifier.out_proj.bias"] = out_proj.bias.detach().clone()


def truncated(make, keep):
    """A second, identical model (same seed) whose encoder keeps only its first `keep` layers."""
    model = make()
    model.encoder.transformer.layers = model.encoder.transformer.layers[:keep]
    return model


def write_case(name, description, model, sd, config, pre, fmt, inputs, head=None, extra=None):
    folder = os.path.join(ROOT, name)
    hf.write_folder(folder, sd, config, pre, fmt)
    expected = {
        "case": name,
        "description": description,
        "hidden_size": H,
        "do_normalize": pre["do_normalize"],
        "inputs": [rounded(torch.from_numpy(x)) for x in inputs],
        "outputs": reference(model, head, inputs, pre["do_normalize"]),
    }
    if extra:
        expected.update(extra)
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))


def padded_batch_gap(model, inputs, do_normalize):
    """Max difference between torchaudio's padded batch (with lengths) and single runs, valid frames only."""
    xs = [normalise(x) if do_normalize else x for x in inputs]
    n = max(len(x) for x in xs)
    batch = torch.zeros(len(xs), n)
    for i, x in enumerate(xs):
        batch[i, : len(x)] = torch.from_numpy(x)
    with torch.no_grad():
        hidden, lengths = model(batch, torch.tensor([len(x) for x in xs]))
        gap = 0.0
        for i, x in enumerate(xs):
            single, _ = model(torch.from_numpy(x)[None])
            gap = max(gap, (hidden[i, : int(lengths[i])] - single[0]).abs().max().item())
    return gap


def main():
    pre_plain = {"do_normalize": True, "feature_size": 1, "padding_value": 0.0, "sampling_rate": 16000,
                 "return_attention_mask": False, "feature_extractor_type": "Wav2Vec2FeatureExtractor"}

    # 1. wav2vec2-base shape: group norm, post-LN, no conv bias; a pre-training checkpoint.
    m = build("group", False, False, 16, 1)
    sd = hf.hf_state_dict(m, "wav2vec2.")
    torch.manual_seed(11)
    sd["wav2vec2.masked_spec_embed"] = torch.rand(H)
    sd["quantizer.codevectors"] = 0.1 * torch.randn(1, 640, 16)
    sd["quantizer.weight_proj.weight"] = 0.1 * torch.randn(640, 32)
    sd["quantizer.weight_proj.bias"] = torch.zeros(640)
    sd["project_hid.weight"] = 0.1 * torch.randn(16, H)
    sd["project_hid.bias"] = torch.zeros(16)
    sd["project_q.weight"] = 0.1 * torch.randn(16, 16)
    sd["project_q.bias"] = torch.zeros(16)
    cfg = hf.hf_config("wav2vec2", hidden=H, layers=LAYERS, heads=HEADS, intermediate=FFN, conv=CONV, norm="group",
                       conv_bias=False, stable=False, pos_kernel=16, pos_groups=4, architectures=["Wav2Vec2ForPreTraining"])
    inputs = inputs_for([400, 401, 719, 720, 1601, 3203], 1)
    write_case("w2v2_postln_group", "wav2vec2-base shape (group norm, post-LN), Wav2Vec2ForPreTraining keys, weight_g/weight_v, "
               "safetensors; edge lengths 400 (one frame) .. 3203", m, sd, cfg, pre_plain, "safetensors", inputs)
    print("w2v2_postln_group: torchaudio padded batch differs from single runs by", padded_batch_gap(m, inputs, True))

    # 2. audEERING shape: layer norm, conv bias, pre-LN, regression head, pytorch_model.bin.
    def make():
        return build("layer", True, True, 16, 2)

    m = make()
    head = head_modules(22)
    sd = hf.hf_state_dict(m, "wav2vec2.", "parametrizations")
    add_head(sd, head)
    cfg = hf.hf_config("wav2vec2", hidden=H, layers=LAYERS, heads=HEADS, intermediate=FFN, conv=CONV, norm="layer",
                       conv_bias=True, stable=True, pos_kernel=16, pos_groups=4, id2label=LABELS,
                       architectures=["Wav2Vec2ForSpeechClassification"], problem_type="regression", pooling_mode="mean")
    pre = dict(pre_plain, return_attention_mask=True)
    inputs = inputs_for([400, 1000, 1600, 2345, 4001], 2, zeros=(2,))
    first2 = truncated(make, 2)
    write_case("w2v2_preln_layer_head", "audEERING shape (layer norm + conv bias, pre-LN, dense/tanh/out_proj head), "
               "parametrizations spelling, pytorch_model.bin; includes an all-zero input and a first-2-layers reference",
               m, sd, cfg, pre, "bin", inputs, head, {"first2": {"outputs": reference(first2, head, inputs, True)}})
    print("w2v2_preln_layer_head: padded batch vs single runs:", padded_batch_gap(m, inputs, True))

    # 3. hubert-base shape with a CTC head to skip, odd pos-conv kernel, no normalisation.
    m = build("group", False, False, 15, 3)
    sd = hf.hf_state_dict(m, "hubert.")
    torch.manual_seed(33)
    sd["lm_head.weight"] = 0.1 * torch.randn(8, H)
    sd["lm_head.bias"] = torch.zeros(8)
    cfg = hf.hf_config("hubert", hidden=H, layers=LAYERS, heads=HEADS, intermediate=FFN, conv=CONV, norm="group",
                       conv_bias=False, stable=False, pos_kernel=15, pos_groups=4, architectures=["HubertForCTC"])
    pre = dict(pre_plain, do_normalize=False)
    write_case("hubert_postln_group", "hubert-base shape, HubertForCTC keys (lm_head skipped), odd pos-conv kernel 15, "
               "do_normalize false, pytorch_model.bin", m, sd, cfg, pre, "bin", inputs_for([400, 2000, 3333], 3))

    # 4. hubert-large shape stored in F16, bare keys.
    m = build("layer", True, True, 16, 4)
    with torch.no_grad():  # the reference uses exactly the stored (rounded) values
        for p in m.parameters():
            p.copy_(p.half().float())
    sd = {k: v.half() for k, v in hf.hf_state_dict(m, "", "parametrizations").items()}
    cfg = hf.hf_config("hubert", hidden=H, layers=LAYERS, heads=HEADS, intermediate=FFN, conv=CONV, norm="layer",
                       conv_bias=True, stable=True, pos_kernel=16, pos_groups=4, architectures=["HubertModel"])
    write_case("hubert_preln_layer_f16", "hubert-large shape (layer norm, pre-LN), bare keys, F16 safetensors",
               m, sd, cfg, dict(pre_plain, return_attention_mask=True), "safetensors", inputs_for([400, 1234, 2500], 4))


if __name__ == "__main__":
    main()
