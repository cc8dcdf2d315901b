#!/usr/bin/python3
"""Reference for the PANNs 16 kHz log-Mel front end (test/fixtures/logmel/expected.json).

    /usr/bin/python3 scripts/gen-logmel-fixture.py

The reference is torchaudio 0.13 (Debian's python3-torchaudio): MelSpectrogram with a periodic Hann
window, n_fft 512, hop 160, centre reflect padding, power 2, 64 Slaney-scale, Slaney-normalised Mel
bins from 50 to 8000 Hz (librosa's default filters, as torchlibrosa/PANNs use), then
10 log10(max(x, 1e-10)) with reference 1.0 and no top-dB clipping.
"""
import json
import os

import torch
import torchaudio

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "logmel", "expected.json")


def main():
    g = torch.Generator().manual_seed(5)
    mel = torchaudio.transforms.MelSpectrogram(sample_rate=16000, n_fft=512, win_length=512, hop_length=160, f_min=50.0,
                                               f_max=8000.0, n_mels=64, power=2.0, center=True, pad_mode="reflect",
                                               norm="slaney", mel_scale="slaney")
    cases = []
    for n in (4960, 6401):  # 4960: CNN14's shortest input; 6401: not a multiple of the hop
        t = torch.arange(n, dtype=torch.float64) / 16000
        x = (0.1 * torch.randn(n, generator=g, dtype=torch.float64) + 0.3 * torch.sin(2 * torch.pi * 440 * t)).float()
        db = 10 * torch.log10(torch.clamp(mel(x), min=1e-10))  # (64, frames)
        cases.append({"input": [float(f"{v:.9g}") for v in x.tolist()], "frames": db.shape[1],
                      "log_mel": [round(v, 5) for v in db.T.flatten().tolist()]})
    filters = torchaudio.functional.melscale_fbanks(257, 50.0, 8000.0, 64, 16000, norm="slaney", mel_scale="slaney")
    with open(OUT, "w") as f:
        json.dump({"cases": cases, "filters": [float(f"{v:.8g}") for v in filters.flatten().tolist()]}, f,
                  separators=(",", ":"))


if __name__ == "__main__":
    main()
