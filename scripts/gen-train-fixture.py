#!/usr/bin/python3
"""Writes the one-optimiser-step training reference into test/fixtures/train_step/.

Run from anywhere with Debian's interpreter (python3-torch 1.13, python3-torchaudio 0.13,
python3-soundfile):

    /usr/bin/python3 scripts/gen-train-fixture.py

A tiny random wav2vec2 (layer-norm feature encoder with conv bias, pre-LN transformer) with an
audEERING-style regression head is written in Hugging Face layout into model/, four float WAV
clips into wav/, labels into train.csv/dev.csv. Then, from the same initial weights, one
zero_grad/backward/step is taken with Adam and with SGD (Nesterov), exactly as ser-torch trains
(see test/fixtures/train_step/README.md for the semantics), and every parameter after the step
is written to expected_adam.safetensors / expected_sgd.safetensors; expected.json holds the loss
and the inputs. Deterministic: fixed seeds, CPU, float32.
"""
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "test", "fixtures", "train_step")
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402
import torch  # noqa: E402
import torchaudio  # noqa: E402

import hf_export  # noqa: E402  (scripts/hf_export.py)

SEED = 20240611
RATE = 16000
CONV = [(32, 10, 5), (32, 3, 2), (32, 3, 2), (32, 3, 2), (32, 3, 2), (32, 2, 2), (32, 2, 2)]
HIDDEN, LAYERS, HEADS, FFN, POS_KERNEL, POS_GROUPS = 32, 2, 4, 64, 16, 4
LABELS = ["arousal", "dominance", "valence"]
CLIPS = [("a.wav", 2400), ("b.wav", 3200), ("c.wav", 4000), ("d.wav", 4800)]
NORM_EPS = 1e-7
ADAM = dict(lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
SGD = dict(lr=1e-2, momentum=0.9, nesterov=True, weight_decay=0.0)


RegressionHead = hf_export.RegressionHead

def build():
    torch.manual_seed(SEED)
    model = torchaudio.models.wav2vec2_model(
        "layer_norm", CONV, True, HIDDEN, 0.0, POS_KERNEL, POS_GROUPS, LAYERS, HEADS, 0.0, FFN, 0.0, 0.0,
        True, 0.0, None,
    )
    head = RegressionHead(HIDDEN, len(LABELS))
    with torch.no_grad():
        for m in list(model.modules()) + list(head.modules()):
            if isinstance(m, torch.nn.LayerNorm):
                m.weight.copy_(1.0 + 0.1 * torch.randn_like(m.weight))
                m.bias.copy_(0.1 * torch.randn_like(m.bias))
    model.eval()
    head.eval()
    return model, head


def state(model, head):
    tensors = hf_export.hf_state_dict(model, "wav2vec2.")
    for key, value in head.state_dict().items():
        tensors["classifier." + key] = value.detach().clone()
    for key, value in tensors.items():
        assert value.dtype == torch.float32, key
    return tensors


def make_clips():
    rng = np.random.default_rng(SEED)
    clips = []
    for i, (_, n) in enumerate(CLIPS):
        t = np.arange(n) / RATE
        x = (0.05 * (i + 1) * rng.standard_normal(n)
             + 0.3 * np.sin(2 * np.pi * (220.0 + 110.0 * i) * t)
             + 0.15 * np.sin(2 * np.pi * (1500.0 - 200.0 * i) * t + 0.5 * i)
             + 0.02 * i)
        clips.append(x.astype(np.float32))
    return clips


def zero_peak_timestamp(path):
    """libsndfile stamps the PEAK chunk of float WAVs with the time of writing; zero it so the
    bytes are reproducible (the chunk stays, so readers must still skip it)."""
    import struct
    with open(path, "r+b") as f:
        data = f.read()
        pos = 12
        while pos + 8 <= len(data):
            cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
            if cid == b"PEAK":
                f.seek(pos + 12)  # after the chunk header and the version field
                f.write(b"\0\0\0\0")
                return
            pos += 8 + size + (size & 1)


def normalise(x32):
    """(x - mean) / sqrt(var + 1e-7), population moments, all in float64, result cast to float32."""
    x = x32.astype(np.float64)
    return ((x - x.mean()) / np.sqrt(x.var() + NORM_EPS)).astype(np.float32)


def batch(clips):
    lengths = [len(c) for c in clips]
    wave = torch.zeros(len(clips), max(lengths), dtype=torch.float32)
    for i, c in enumerate(clips):
        wave[i, : len(c)] = torch.from_numpy(normalise(c))
    return wave, torch.tensor(lengths, dtype=torch.int64)


def forward(model, head, wave, lengths):
    hidden, frames = model(wave, lengths)  # (B, T, H), (B,)
    valid = (torch.arange(hidden.shape[1])[None, :] < frames[:, None]).to(hidden.dtype)  # (B, T)
    pooled = (hidden * valid[:, :, None]).sum(dim=1) / frames[:, None].to(hidden.dtype)
    return head(pooled), pooled, frames


def ccc_loss(pred, target):
    """mean over dims of 1 - CCC, with population moments over the batch."""
    mx, my = pred.mean(dim=0), target.mean(dim=0)
    vx = ((pred - mx) ** 2).mean(dim=0)
    vy = ((target - my) ** 2).mean(dim=0)
    cov = ((pred - mx) * (target - my)).mean(dim=0)
    ccc = 2.0 * cov / (vx + vy + (mx - my) ** 2)
    return (1.0 - ccc).mean()


def hf_name(ta_key):
    """torchaudio parameter name -> HF key (as hf_export.hf_state_dict spells it)."""
    key = ta_key.replace("encoder.feature_projection.", "feature_projection.", 1)
    return "wav2vec2." + key.replace("encoder.transformer.", "encoder.", 1)


def read_safetensors(path):
    import struct
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        blob = f.read()
    header.pop("__metadata__", None)
    out = {}
    for name, h in header.items():
        assert h["dtype"] == "F32", name
        a, b = h["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(blob[a:b], dtype=np.float32).copy()).reshape(h["shape"])
    return out


def check_round_trip(wave, lengths, labels, loss):
    """Rebuild from the written files (model.safetensors, the WAVs) and reproduce the loss bit-exactly."""
    model, head = build()
    with torch.no_grad():
        for p in list(model.parameters()) + list(head.parameters()):
            p.zero_()
    tensors = read_safetensors(os.path.join(OUT, "model", "model.safetensors"))
    by_hf = {hf_name(n): n for n in model.state_dict()}
    m_sd = {by_hf[k]: v for k, v in tensors.items() if k.startswith("wav2vec2.")}
    h_sd = {k[len("classifier."):]: v for k, v in tensors.items() if k.startswith("classifier.")}
    model.load_state_dict(m_sd)
    head.load_state_dict(h_sd)
    clips = [sf.read(os.path.join(OUT, "wav", n), dtype="float32")[0] for n, _ in CLIPS]
    wave2, lengths2 = batch(clips)
    assert torch.equal(wave2, wave) and torch.equal(lengths2, lengths)
    with torch.no_grad():
        logits, _, _ = forward(model, head, wave2, lengths2)
        again = ccc_loss(logits, labels).item()
    assert again == loss, (again, loss)


def trainable(model, head):
    """Everything except the CNN feature extractor (frozen), in a fixed order."""
    for p in model.feature_extractor.parameters():
        p.requires_grad_(False)
    params = [p for n, p in model.named_parameters() if not n.startswith("feature_extractor.")]
    params += list(head.parameters())
    assert all(p.requires_grad for p in params)
    return params


def one_step(initial, wave, lengths, labels, make_opt):
    model, head = build()
    model.load_state_dict(initial["model"])
    head.load_state_dict(initial["head"])
    params = trainable(model, head)
    opt = make_opt(params)
    opt.zero_grad()
    logits, pooled, frames = forward(model, head, wave, lengths)
    loss = ccc_loss(logits, labels)
    loss.backward()
    grads = {hf_name(n): p.grad.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
    grads.update({"classifier." + n: p.grad.detach().clone() for n, p in head.named_parameters()})
    opt.step()
    return model, head, dict(loss=loss.item(), logits=logits.detach(), pooled=pooled.detach(), frames=frames, grads=grads)


def main():
    torch.set_num_threads(1)
    # Regenerate everything except README.md.
    for sub in ("model", "wav"):
        shutil.rmtree(os.path.join(OUT, sub), ignore_errors=True)
    for fn in ("train.csv", "dev.csv", "expected.json", "expected_adam.safetensors", "expected_sgd.safetensors"):
        if os.path.exists(os.path.join(OUT, fn)):
            os.remove(os.path.join(OUT, fn))
    os.makedirs(os.path.join(OUT, "wav"))

    # Audio: float32 WAVs, read back to make sure the decoded samples are what we use.
    clips = make_clips()
    for (name, _), x in zip(CLIPS, clips):
        path = os.path.join(OUT, "wav", name)
        sf.write(path, x, RATE, subtype="FLOAT")
        zero_peak_timestamp(path)
        back, rate = sf.read(path, dtype="float32")
        assert rate == RATE and np.array_equal(back, x), name

    # Labels in [0, 1], distinct and varied.
    rng = np.random.default_rng(SEED + 1)
    # Written with 4 decimals; the loss uses float32(decimal), as a CSV reader parsing to
    # double and casting to float32 gets.
    labels_dec = np.round(rng.uniform(0.05, 0.95, size=(len(CLIPS), len(LABELS))), 4)
    assert len(set(labels_dec.ravel().tolist())) == labels_dec.size
    labels_np = labels_dec.astype(np.float32)
    rows = ["file," + ",".join(LABELS)]
    for (name, _), lab in zip(CLIPS, labels_dec):
        rows.append("wav/" + name + "," + ",".join(f"{v:.4f}" for v in lab.tolist()))
    for csv in ("train.csv", "dev.csv"):
        with open(os.path.join(OUT, csv), "w") as f:
            f.write("\n".join(rows) + "\n")
    labels = torch.from_numpy(labels_np)

    # Model.
    model, head = build()
    initial = dict(model={k: v.clone() for k, v in model.state_dict().items()},
                   head={k: v.clone() for k, v in head.state_dict().items()})
    init_tensors = state(model, head)
    config = hf_export.hf_config(
        "wav2vec2", hidden=HIDDEN, layers=LAYERS, heads=HEADS, intermediate=FFN, conv=CONV, norm="layer",
        conv_bias=True, stable=True, pos_kernel=POS_KERNEL, pos_groups=POS_GROUPS, id2label=LABELS,
        architectures=["Wav2Vec2ForSpeechClassification"], hidden_dropout=0.0, attention_dropout=0.0,
        activation_dropout=0.0, feat_proj_dropout=0.0, final_dropout=0.0, layerdrop=0.0, mask_time_prob=0.0,
    )
    preprocessor = {"do_normalize": True, "sampling_rate": RATE, "return_attention_mask": True,
                    "feature_size": 1, "padding_value": 0.0}
    hf_export.write_folder(os.path.join(OUT, "model"), init_tensors, config, preprocessor, fmt="safetensors")

    wave, lengths = batch(clips)
    results = {}
    for name, make_opt in (("adam", lambda p: torch.optim.Adam(p, **ADAM)),
                           ("sgd", lambda p: torch.optim.SGD(p, **SGD))):
        m, h, info = one_step(initial, wave, lengths, labels, make_opt)
        after = state(m, h)
        assert after.keys() == init_tensors.keys()
        hf_export.write_safetensors(os.path.join(OUT, f"expected_{name}.safetensors"), after, {"format": "pt"})
        results[name] = (after, info)

    loss_a, loss_s = results["adam"][1]["loss"], results["sgd"][1]["loss"]
    assert loss_a == loss_s, (loss_a, loss_s)
    check_round_trip(wave, lengths, labels, loss_a)
    info = results["adam"][1]
    grads = info["grads"]
    grad_max = max(g.abs().max().item() for g in grads.values())
    expected = {
        "loss": loss_a,
        "lengths": lengths.tolist(),
        "frame_lengths": info["frames"].tolist(),
        "labels": [[round(v, 4) for v in row] for row in labels_dec.tolist()],
        "initial_logits": info["logits"].tolist(),
        "initial_pooled": info["pooled"].tolist(),
        "grad_norm_max": grad_max,
        "files": ["wav/" + n for n, _ in CLIPS],
        "frozen_prefix": "wav2vec2.feature_extractor.",
        "adam": {k: (list(v) if isinstance(v, tuple) else v) for k, v in ADAM.items()},
        "sgd": dict(SGD),
    }
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2)
        f.write("\n")

    # Report.
    print(f"loss before the step: {loss_a:.8f}")
    print(f"frame lengths: {info['frames'].tolist()}  max |grad|: {grad_max:.4e}")
    small = sum(int((g.abs() < 1e-6).sum()) for g in grads.values())
    total = sum(g.numel() for g in grads.values())
    print(f"grad elements with |g| < 1e-6: {small} of {total}")
    for key in sorted(grads):
        g = grads[key].abs()
        if key.endswith("k_proj.bias"):
            print(f"  {key}: max |grad| {g.max().item():.3e} (analytically 0: softmax ignores a per-row shift)")
        elif int((g < 1e-6).sum()):
            print(f"  {key}: {int((g < 1e-6).sum())} elements with |g| < 1e-6, smallest {g.min().item():.3e}")
    for name in ("adam", "sgd"):
        after = results[name][0]
        changes = {k: (after[k] - init_tensors[k]).abs().max().item() for k in after}
        frozen = max(v for k, v in changes.items() if k.startswith("wav2vec2.feature_extractor."))
        assert frozen == 0.0, name
        moved = [k for k, v in changes.items() if v > 1e-5]
        big = sum(int(((after[k] - init_tensors[k]).abs() > 1e-5).sum()) for k in after)
        print(f"{name}: max |change| {max(changes.values()):.4e}; tensors moved > 1e-5: {len(moved)} of "
              f"{len(changes) - sum(k.startswith('wav2vec2.feature_extractor.') for k in changes)} trainable; "
              f"elements moved > 1e-5: {big}")
        for k in sorted(changes):
            if not k.startswith("wav2vec2.feature_extractor."):
                print(f"    {k:60s} {changes[k]:.3e}")
    size = 0
    for root, _, files in os.walk(OUT):
        for fn in files:
            size += os.path.getsize(os.path.join(root, fn))
    print(f"fixture size: {size / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
