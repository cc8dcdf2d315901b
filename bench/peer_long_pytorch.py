#!/usr/bin/python3
"""The PyTorch peer of bench/long-recording.js: Debian's PyTorch 1.13 / torchaudio 0.13 predicting the
windows of one long file with the SAME model as ser-torch (torchaudio's Wav2Vec2Model and the
regression head, weights read from bench/.cache/<shape>/model.safetensors by bench/peer_pytorch.py),
the way audEERING's users write their own windowing:

    /usr/bin/python3 bench/peer_long_pytorch.py --shape large-12 --file long.wav --window 4 --hop 2 \
        --batch 1 --out windows.jsonl [--threads N]

torchaudio.load reads the whole file (mono by averaging channels, torchaudio.functional.resample to
16 kHz where needed), then the windows of ser-torch's rules (lib/predict-long.ts): window k covers
samples [k*H, k*H + W) with W = round(window * 16000), H = round(hop * 16000); every whole window,
then one tail window from the next hop to the end if it holds at least 400 samples. Whole windows go
through the model --batch at a time (equal lengths: no padding), each normalised on its own; the
tail alone. The timed run covers loading the file and every window; model loading and one untimed
warm-up batch do not count. Memory: the RSS after the warm-up and the peak during the run
(/proc/self/status VmHWM, reset before the run). Prints one JSON line; the windows go to --out as JSONL.
"""
import argparse
import importlib.util
import json
import os
import sys
import time

import torch
import torchaudio

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE_RATE = 16000
MIN_SAMPLES = 400  # wav2vec2 / HuBERT: one frame of the CNN feature encoder
LABELS = ["arousal", "dominance", "valence"]

_spec = importlib.util.spec_from_file_location("peer_pytorch", os.path.join(HERE, "peer_pytorch.py"))
peer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(peer)


def status_mb(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {key} in /proc/self/status")


def windows(n, w, h):
    """[(start, end)] of ser-torch's rules for n samples."""
    out, k = [], 0
    while k * h + w <= n:
        out.append((k * h, k * h + w))
        k += 1
    covered = out[-1][1] if out else 0
    if n > covered and n - k * h >= MIN_SAMPLES:
        out.append((k * h, n))
    return out


def run(model, head, raw):
    """(B, 3) for a (B, L) batch of raw windows: each normalised, forward, mean over frames, head."""
    hidden, _ = model(peer.normalise(raw))
    return head(hidden.mean(dim=1))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shape", required=True)
    p.add_argument("--file", required=True)
    p.add_argument("--window", type=float, default=4.0)
    p.add_argument("--hop", type=float, default=2.0)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--threads", type=int)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    try:
        if a.threads is not None:
            torch.set_num_threads(a.threads)
        model, head = peer.load(a.shape, peer.shapes.folder_for(a.shape))
        if head is None:
            raise RuntimeError(f"the {a.shape} shape has no regression head: windowed prediction needs one")
        w, h = round(a.window * SAMPLE_RATE), round(a.hop * SAMPLE_RATE)
        with torch.inference_mode():
            run(model, head, torch.randn(a.batch, w) * 0.1)  # warm-up: the batch's buffers in place
        baseline = status_mb("VmRSS")
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # VmHWM := the current RSS
        t0 = time.perf_counter()
        wave, rate = torchaudio.load(a.file)
        wave = wave.mean(dim=0)
        if rate != SAMPLE_RATE:
            wave = torchaudio.functional.resample(wave, rate, SAMPLE_RATE)
        spans = windows(wave.numel(), w, h)
        whole = [s for s in spans if s[1] - s[0] == w]
        tail = [s for s in spans if s[1] - s[0] != w]
        results = []
        with torch.inference_mode():
            for start in range(0, len(whole), a.batch):
                chunk = whole[start : start + a.batch]
                out = run(model, head, torch.stack([wave[s:e] for s, e in chunk]))
                results.extend(out.tolist())
            for s, e in tail:
                results.extend(run(model, head, wave[s:e][None]).tolist())
        seconds = time.perf_counter() - t0
        peak = status_mb("VmHWM")
        with open(a.out, "w") as f:
            for (s, e), values in zip(spans, results):
                f.write(json.dumps({"start": s / SAMPLE_RATE, "end": e / SAMPLE_RATE, **dict(zip(LABELS, values))}) + "\n")
        print(
            json.dumps(
                {
                    "windows": len(spans),
                    "file_seconds": wave.numel() / SAMPLE_RATE,
                    "seconds": seconds,
                    "rss_after_load_mb": baseline,
                    "peak_rss_mb": peak,
                    "threads": torch.get_num_threads(),
                    "torch": torch.__version__,
                }
            ),
            flush=True,
        )
    except Exception as e:  # one JSON line the driver shows in the column
        import traceback

        traceback.print_exc()
        print(json.dumps({"error": peer.describe(e)}), flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
