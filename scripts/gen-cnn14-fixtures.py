#!/usr/bin/python3
"""Reference fixtures for the CNN14 (PANNs Cnn14_16k) baseline: test/fixtures/cnn14/.

Run with Debian's python3-torch 1.13 / python3-torchaudio 0.13:
    /usr/bin/python3 scripts/gen-cnn14-fixtures.py

Writes
  logmel.json           16 kHz log-Mel front end computed by torchaudio (MelSpectrogram + 10 log10) for three
                        waveforms.
  expected.json         eval-mode outputs (pooled features, fc1 embedding, 3 logits) of a tiny CNN14 on those
                        waveforms, and the outputs of the PANNs-style checkpoint's fc_audioset head.
  model/                Hugging Face-style folder (config.json, model.safetensors, preprocessor_config.json).
  panns_checkpoint.pth  the same trunk as a PANNs training checkpoint {"iteration", "model", "sampler"} with
                        fc_audioset; panns_checkpoint_legacy.pth: the same in the legacy (pre-1.6) format.
The CNN14 module below follows qiuqiangkong/audioset_tagging_cnn pytorch/models.py (Cnn14) with the
channel widths made a parameter; the front end is torchaudio's, not ours.
"""
import collections
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchaudio

sys.path.insert(0, os.path.dirname(__file__))
from hf_export import write_safetensors  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "cnn14")
SR, N_FFT, HOP, N_MELS, F_MIN, F_MAX = 16000, 512, 160, 64, 50.0, 8000.0
AMIN = 1e-10
CHANNELS = (4, 8, 8, 16, 16, 32)  # PANNs: (64, 128, 256, 512, 1024, 2048)
LENGTHS = (4960, 8000, 12345)  # 4960 = 31 * 160: CNN14's shortest input (32 frames)
ZERO_SPAN = (2, 6000, 7600)  # input 2 has exact zeros in [6000, 7600): frames 40..45 hit the 1e-10 clamp
LABELS = ["arousal", "dominance", "valence"]
N_AUDIOSET = 5  # PANNs has 527 AudioSet classes; 5 keeps the checkpoint tiny


# ----------------------------------------------------------------------------------------------------------------
# front end
# ----------------------------------------------------------------------------------------------------------------
def mel_transform():
    return torchaudio.transforms.MelSpectrogram(
        sample_rate=SR, n_fft=N_FFT, win_length=N_FFT, hop_length=HOP, f_min=F_MIN, f_max=F_MAX, n_mels=N_MELS,
        window_fn=torch.hann_window, power=2.0, center=True, pad_mode="reflect", norm="slaney", mel_scale="slaney")


def log_mel(mel, x):
    """(L,) float32 -> (frames, 64) float32: PANNs' power_to_db with ref 1.0, amin 1e-10, top_db None."""
    return (10.0 * torch.log10(torch.clamp(mel(x), min=AMIN))).T.contiguous()


def torchaudio_filters():
    return torchaudio.functional.melscale_fbanks(N_FFT // 2 + 1, F_MIN, F_MAX, N_MELS, SR, norm="slaney",
                                                 mel_scale="slaney")  # (257, 64) float32


def librosa_mel_filters():
    """librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax) with its defaults (htk=False, norm='slaney',
    dtype float32), transposed to (257, 64) as torchlibrosa's LogmelFilterBank.melW. Re-implemented here
    (librosa is not installed) only to compare with torchaudio's filters."""
    def hz_to_mel(f):
        f = np.asarray(f, np.float64)
        f_sp, min_log_hz, min_log_mel, logstep = 200.0 / 3, 1000.0, 1000.0 / (200.0 / 3), np.log(6.4) / 27.0
        return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-300) / min_log_hz) / logstep,
                        f / f_sp)

    def mel_to_hz(m):
        m = np.asarray(m, np.float64)
        f_sp, min_log_hz, min_log_mel, logstep = 200.0 / 3, 1000.0, 1000.0 / (200.0 / 3), np.log(6.4) / 27.0
        return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)

    fftfreqs = np.fft.rfftfreq(n=N_FFT, d=1.0 / SR)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(F_MIN), hz_to_mel(F_MAX), N_MELS + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    weights = np.zeros((N_MELS, N_FFT // 2 + 1), dtype=np.float32)
    for i in range(N_MELS):
        weights[i] = np.maximum(0, np.minimum(-ramps[i] / fdiff[i], ramps[i + 2] / fdiff[i + 1]))
    weights *= (2.0 / (mel_f[2:N_MELS + 2] - mel_f[:N_MELS]))[:, np.newaxis]
    return weights.T.copy()


def numpy_log_mel(x, filters):
    """Direct float64 computation: reflect pad 256, periodic Hann, rfft, |.|^2, @ filters, 10 log10."""
    x = np.asarray(x, np.float64)
    xp = np.pad(x, (N_FFT // 2, N_FFT // 2), mode="reflect")
    frames = 1 + len(x) // HOP
    assert frames == 1 + (len(xp) - N_FFT) // HOP
    win = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)  # periodic Hann
    idx = np.arange(frames)[:, None] * HOP + np.arange(N_FFT)[None, :]
    power = np.abs(np.fft.rfft(xp[idx] * win, axis=1)) ** 2  # (frames, 257)
    mel = power @ np.asarray(filters, np.float64)
    return 10 * np.log10(np.maximum(mel, AMIN)), mel


# ----------------------------------------------------------------------------------------------------------------
# CNN14 (PANNs pytorch/models.py: ConvBlock, Cnn14), channels as a parameter, front end outside the module
# ----------------------------------------------------------------------------------------------------------------
class ConvBlock(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1),
                               bias=False)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1),
                               bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)

    def forward(self, x, pool_size=(2, 2)):
        x = F.relu_(self.bn1(self.conv1(x)))
        x = F.relu_(self.bn2(self.conv2(x)))
        return F.avg_pool2d(x, kernel_size=pool_size)  # Cnn14 uses pool_type='avg'


class MelW(nn.Module):
    """Stands in for torchlibrosa's LogmelFilterBank: only its frozen `melW` parameter (257, 64)."""

    def __init__(self, melw):
        super().__init__()
        self.melW = nn.Parameter(torch.as_tensor(melw, dtype=torch.float32), requires_grad=False)


class Cnn14(nn.Module):
    def __init__(self, channels=CHANNELS, n_out=len(LABELS), head="fc_out", melw=None, mel_bins=N_MELS):
        super().__init__()
        if melw is not None:  # PANNs registers the (frozen) front end first
            self.logmel_extractor = MelW(melw)
        self.bn0 = nn.BatchNorm2d(mel_bins)
        ins = (1,) + tuple(channels[:-1])
        for i, (cin, cout) in enumerate(zip(ins, channels)):
            setattr(self, f"conv_block{i + 1}", ConvBlock(cin, cout))
        self.fc1 = nn.Linear(channels[-1], channels[-1], bias=True)
        self.head = head
        setattr(self, head, nn.Linear(channels[-1], n_out, bias=True))

    def forward(self, logmel):
        """logmel (B, T, 64) -> dict(pooled, embedding, logits)."""
        x = logmel.unsqueeze(1)  # (B, 1, T, 64)
        x = x.transpose(1, 3)
        x = self.bn0(x)  # BatchNorm over the Mel bins
        x = x.transpose(1, 3)
        for i in range(1, 7):
            x = getattr(self, f"conv_block{i}")(x, pool_size=(2, 2) if i < 6 else (1, 1))
            x = F.dropout(x, p=0.2, training=self.training)
        x = torch.mean(x, dim=3)  # mean over frequency -> (B, C, T')
        (x1, _) = torch.max(x, dim=2)
        x2 = torch.mean(x, dim=2)
        pooled = x1 + x2
        x = F.dropout(pooled, p=0.5, training=self.training)
        x = F.relu_(self.fc1(x))
        embedding = F.dropout(x, p=0.5, training=self.training)
        logits = getattr(self, self.head)(x)  # applied to the pre-dropout fc1 output, as PANNs
        return {"pooled": pooled, "embedding": embedding, "logits": logits}


def init_model(model, logmels, g):
    """Xavier-uniform conv/linear weights (PANNs' init_layer), random non-zero linear biases, random BatchNorm
    affine parameters, and BatchNorm running statistics "calibrated" like a trained network's: for each BN in
    turn, the per-channel mean/variance of its actual input over the fixture log-Mels, perturbed
    (mean + 0.2 std randn, var * (0.5 + rand)). PANNs' own init (weight 1, bias 0, mean 0, var 1) would
    hide the BN parameters, and uncalibrated statistics let the activations decay until the outputs
    hardly depend on the input."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                bound = float(np.sqrt(6.0 / (m.weight[0].numel() + m.weight[:, 0].numel())))  # xavier_uniform_
                m.weight.copy_((torch.rand(m.weight.shape, generator=g) * 2 - 1) * bound)
                if m.bias is not None:
                    m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=g))
            elif isinstance(m, nn.BatchNorm2d):
                n = m.num_features
                m.weight.copy_(1 + 0.1 * torch.randn(n, generator=g))
                m.bias.copy_(0.1 * torch.randn(n, generator=g))
                m.num_batches_tracked.fill_(1000)
        model.eval()
        for m in model.modules():
            if not isinstance(m, nn.BatchNorm2d):
                continue
            seen = []
            hook = m.register_forward_pre_hook(lambda mod, inp: seen.append(inp[0].transpose(0, 1).flatten(1)))
            for lm in logmels:
                model(lm.unsqueeze(0))
            hook.remove()
            acts = torch.cat(seen, dim=1).double()  # (C, all positions of all inputs)
            mean, var = acts.mean(1), acts.var(1)
            n = m.num_features
            m.running_mean.copy_(mean + 0.2 * var.sqrt() * torch.randn(n, generator=g, dtype=torch.float64))
            m.running_var.copy_(var * (0.5 + torch.rand(n, generator=g, dtype=torch.float64)))


# ----------------------------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------------------------
def f32_text(values):
    """float32 values as floats whose JSON text is the shortest decimal (at most 9 significant digits) that
    parses back to the same float32, also when parsed as a double first and then rounded to float32."""
    vals = np.asarray(values, np.float32).ravel()
    out = [float(repr(v)) if np.isfinite(v) else None for v in vals]  # numpy's repr: shortest round-trip for f32
    assert np.array_equal(np.asarray(out, np.float64).astype(np.float32), vals)
    return out


def make_inputs():
    rng = np.random.default_rng(20240614)
    inputs = []
    for i, n in enumerate(LENGTHS):
        t = np.arange(n, dtype=np.float64) / SR
        f0 = 110.0 + 90.0 * i
        x = (0.05 * rng.standard_normal(n)
             + 0.3 * np.sin(2 * np.pi * f0 * t + 0.3 * i)
             + 0.15 * np.sin(2 * np.pi * 1375.5 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))
             + 0.05 * np.sin(2 * np.pi * (2500.0 + 40000.0 * t) * t))  # chirp through the upper bins
        x *= 0.6 + 0.3 * i
        if i == ZERO_SPAN[0]:
            x[ZERO_SPAN[1]:ZERO_SPAN[2]] = 0.0
        x = np.clip(np.round(x * 32768), -32768, 32767) / 32768  # on the 16-bit PCM grid, as audio read from WAV
        inputs.append(x.astype(np.float32))
    return inputs


def dump(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")


def main():
    torch.set_num_threads(1)
    os.makedirs(os.path.join(OUT, "model"), exist_ok=True)
    mel = mel_transform()

    # ---------------- 1. front end ----------------
    inputs = make_inputs()
    fb_ta = torchaudio_filters()
    fb_lr = librosa_mel_filters()
    assert torch.equal(fb_ta, mel.mel_scale.fb), "MelSpectrogram uses melscale_fbanks"
    assert torch.equal(mel.spectrogram.window, torch.hann_window(N_FFT, periodic=True))
    print(f"filters: torchaudio vs librosa re-implementation max |diff| {np.abs(fb_ta.numpy() - fb_lr).max():.3e} "
          f"(max weight {fb_lr.max():.4e}); nonzero pattern equal: {np.array_equal(fb_ta.numpy() > 0, fb_lr > 0)}")
    logmels, outputs = [], []
    worst_db = worst_db_lr = worst_rel = 0.0
    for x in inputs:
        lm = log_mel(mel, torch.from_numpy(x))
        frames = lm.shape[0]
        assert frames == 1 + len(x) // HOP
        ref_db, ref_mel = numpy_log_mel(x, fb_ta.numpy())
        ref_db_lr, _ = numpy_log_mel(x, fb_lr)
        ta_mel = mel(torch.from_numpy(x)).T.double().numpy()
        worst_db = max(worst_db, float(np.abs(lm.double().numpy() - ref_db).max()))
        worst_db_lr = max(worst_db_lr, float(np.abs(lm.double().numpy() - ref_db_lr).max()))
        worst_rel = max(worst_rel, float((np.abs(ta_mel - ref_mel) / np.maximum(ref_mel, AMIN)).max()))
        logmels.append(lm)
        outputs.append({"frames": frames, "n_mels": N_MELS,
                        "log_mel": [round(v, 6) for v in lm.flatten().double().tolist()]})
        print(f"L={len(x)}: frames {frames}, log-Mel range [{lm.min():.2f}, {lm.max():.2f}] dB, "
              f"clamped values {int((lm <= -100).sum())}")
    print(f"self-check torchaudio (float32) vs numpy float64 rfft with torchaudio filters: max |diff| "
          f"{worst_db:.3e} dB, max relative Mel-power diff {worst_rel:.3e}")
    print(f"self-check torchaudio vs numpy float64 with librosa-style filters: max |diff| {worst_db_lr:.3e} dB")
    dump(os.path.join(OUT, "logmel.json"), {
        "sample_rate": SR, "n_fft": N_FFT, "win_length": N_FFT, "hop_length": HOP, "n_mels": N_MELS,
        "f_min": F_MIN, "f_max": F_MAX, "window": "hann_periodic", "center": True, "pad_mode": "reflect",
        "power": 2.0, "mel_scale": "slaney", "norm": "slaney", "amin": AMIN, "ref": 1.0, "top_db": None,
        "inputs": [f32_text(x) for x in inputs],
        "outputs": outputs,  # the filters themselves are checked against test/fixtures/logmel
    })

    # ---------------- 2. tiny CNN14 ----------------
    g = torch.Generator().manual_seed(14)
    model = Cnn14(CHANNELS, len(LABELS), "fc_out")
    init_model(model, logmels, g)
    model.eval()
    # PANNs-style checkpoint: the same trunk, an AudioSet-style head and the frozen melW
    panns = Cnn14(CHANNELS, N_AUDIOSET, "fc_audioset", melw=fb_lr)
    sd = panns.state_dict()
    for k, v in model.state_dict().items():
        if not k.startswith("fc_out."):
            sd[k] = v
    sd["fc_audioset.weight"] = (torch.rand(N_AUDIOSET, CHANNELS[-1], generator=g) * 2 - 1) * float(
        np.sqrt(6.0 / (N_AUDIOSET + CHANNELS[-1])))
    sd["fc_audioset.bias"] = 0.1 * torch.randn(N_AUDIOSET, generator=g)
    panns.load_state_dict(sd)
    panns.eval()

    cases, panns_cases, worst64, worst_np = [], [], 0.0, 0.0
    model64 = Cnn14(CHANNELS, len(LABELS), "fc_out").double()
    model64.load_state_dict({k: (v.double() if v.is_floating_point() else v) for k, v in model.state_dict().items()})
    model64.eval()
    with torch.no_grad():
        for i, lm in enumerate(logmels):
            out = model(lm.unsqueeze(0))
            out64 = model64(lm.double().unsqueeze(0))
            worst64 = max(worst64, float((out["logits"].double() - out64["logits"]).abs().max()))
            lm_np = torch.from_numpy(numpy_log_mel(inputs[i], fb_ta.numpy())[0]).float()  # an independent front end
            worst_np = max(worst_np, float((model(lm_np.unsqueeze(0))["logits"] - out["logits"]).abs().max()))
            p = panns(lm.unsqueeze(0))
            assert torch.equal(p["embedding"], out["embedding"])
            emb = out["embedding"][0]
            print(f"input {i}: logits {[round(v, 5) for v in out['logits'][0].tolist()]}, embedding "
                  f"{int((emb > 0).sum())}/{emb.numel()} positive, max {emb.max():.3f}")
            cases.append({"input": i, "length": LENGTHS[i], "frames": lm.shape[0],
                          "pooled": f32_text(out["pooled"][0]), "embedding": f32_text(emb),
                          "logits": f32_text(out["logits"][0])})
            panns_cases.append({"input": i, "fc_audioset": f32_text(p["logits"][0]),
                                "clipwise_output": f32_text(torch.sigmoid(p["logits"][0]))})
    print(f"float32 vs float64 forward (same weights, same float32 log-Mel): max |logit diff| {worst64:.3e}")
    print(f"float32 forward on the numpy float64 log-Mel instead of torchaudio's: max |logit diff| {worst_np:.3e}")
    dump(os.path.join(OUT, "expected.json"), {
        "inputs": "logmel.json inputs[input]; the model consumes logmel.json outputs[input] (torchaudio log-Mel)",
        "channels": list(CHANNELS), "labels": LABELS,
        "cases": cases,
        "panns_checkpoint": {"file": "panns_checkpoint.pth", "head": "fc_audioset", "n_out": N_AUDIOSET,
                             "cases": panns_cases},
    })

    # HF-style folder: float tensors only (num_batches_tracked is int64 and left out)
    tensors = collections.OrderedDict((k, v.float()) for k, v in model.state_dict().items()
                                      if not k.endswith("num_batches_tracked"))
    assert all(v.dtype == torch.float32 for v in tensors.values())
    write_safetensors(os.path.join(OUT, "model", "model.safetensors"), tensors, {"format": "pt"})
    config = {"model_type": "cnn14", "architectures": ["Cnn14ForSpeechClassification"], "sample_rate": SR,
              "n_fft": N_FFT, "hop_length": HOP, "n_mels": N_MELS, "f_min": int(F_MIN), "f_max": int(F_MAX),
              "channels": list(CHANNELS), "id2label": {str(i): l for i, l in enumerate(LABELS)},
              "label2id": {l: i for i, l in enumerate(LABELS)}}
    with open(os.path.join(OUT, "model", "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    with open(os.path.join(OUT, "model", "preprocessor_config.json"), "w") as f:
        json.dump({"do_normalize": False, "sampling_rate": SR, "feature_size": 1}, f, indent=2)
        f.write("\n")

    # PANNs checkpoints as its main.py saves them: {"iteration", "model", "sampler"} with numpy arrays in the
    # sampler state, in torch 1.13's zip format and in the legacy format of the torch versions PANNs was trained
    # with. conv_real / conv_imag are left out (2 x 257 x 512 floats ~ 1 MB).
    checkpoint = {"iteration": 100000, "model": panns.state_dict(),
                  "sampler": {"indexes_per_class": [np.arange(3) + 10 * k for k in range(N_AUDIOSET)],
                              "queue": [1, 2, 3], "pointers_of_classes": [0] * N_AUDIOSET,
                              "random_state": np.random.RandomState(0).get_state()}}
    torch.save(checkpoint, os.path.join(OUT, "panns_checkpoint.pth"))
    torch.save(checkpoint, os.path.join(OUT, "panns_checkpoint_legacy.pth"), _use_new_zipfile_serialization=False)
    # Hostile: a zero-element weight that claims 65536 output channels (costs nothing in the file, but a model
    # sized from it would need ~150 GB); the importer must refuse it from the shapes alone.
    torch.save({"model": {"conv_block1.conv1.weight": torch.empty(65536, 0, 3, 3)}},
               os.path.join(OUT, "panns_hostile_width.pth"))

    for root, _, files in sorted(os.walk(OUT)):
        for name in sorted(files):
            p = os.path.join(root, name)
            print(f"{os.path.relpath(p, OUT):32s} {os.path.getsize(p):8d} bytes")


if __name__ == "__main__":
    main()
