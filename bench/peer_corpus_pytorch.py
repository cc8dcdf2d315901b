#!/usr/bin/python3
"""The PyTorch peer of bench/corpus.js: Debian's PyTorch 1.13 / torchaudio 0.13 predicting every file
of a manifest with the SAME model as ser-torch (torchaudio's Wav2Vec2Model and the regression head,
weights read from bench/.cache/<shape>/model.safetensors by bench/peer_pytorch.py), as a user would
write it:

    /usr/bin/python3 bench/peer_corpus_pytorch.py --shape large-12 --manifest m.csv --mode files \
        --out preds.jsonl [--batch 8] [--threads N]

--mode files: one file at a time (decode, normalise, forward, mean over frames, head).
--mode batches: padded batches of --batch files in manifest order; each file normalised on its own
  (as Hugging Face's feature extractor does), zero-padded, `lengths` passed so torchaudio masks the
  padding in attention, the mean taken over each file's own frames.
--mode sorted: the same batches, files sorted by length first (from torchaudio.info), the order a
  careful user would pick to keep padding small; predictions written back in manifest order.
Decoding is torchaudio.load (mono by averaging channels, torchaudio.functional.resample to 16 kHz
where needed), inside the timed run, as predictCorpus decodes inside its own. Model loading is not
timed. Prints one JSON line; predictions go to --out as JSONL in manifest order.
"""
import argparse
import csv
import importlib.util
import json
import os
import resource
import sys
import time

import torch
import torchaudio

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE_RATE = 16000
LABELS = ["arousal", "dominance", "valence"]

_spec = importlib.util.spec_from_file_location("peer_pytorch", os.path.join(HERE, "peer_pytorch.py"))
peer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(peer)


def read_manifest(path):
    base = os.path.dirname(path)
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return [os.path.normpath(os.path.join(base, r["file"])) for r in rows]


def read_audio(path):
    wave, rate = torchaudio.load(path)
    wave = wave.mean(dim=0)
    if rate != SAMPLE_RATE:
        wave = torchaudio.functional.resample(wave, rate, SAMPLE_RATE)
    return wave


def predict(model, head, waves):
    """(B, 3) for a list of 1-D waveforms: normalised each, zero-padded, masked, mean-pooled per item."""
    lengths = torch.tensor([w.numel() for w in waves])
    x = torch.zeros(len(waves), int(lengths.max()))
    for i, w in enumerate(waves):
        x[i, : w.numel()] = peer.normalise(w[None])[0]
    hidden, frames = model(x, lengths if len(waves) > 1 else None)
    if frames is None:
        pooled = hidden.mean(dim=1)
    else:
        mask = (torch.arange(hidden.shape[1])[None, :] < frames[:, None]).to(hidden.dtype)
        pooled = (hidden * mask[..., None]).sum(dim=1) / frames[:, None].to(hidden.dtype)
    return head(pooled)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shape", required=True)
    p.add_argument("--manifest", required=True)
    p.add_argument("--mode", required=True, choices=("files", "batches", "sorted"))
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--threads", type=int)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    try:
        if a.threads is not None:
            torch.set_num_threads(a.threads)
        files = read_manifest(a.manifest)
        t0 = time.perf_counter()
        model, head = peer.load(a.shape, peer.shapes.folder_for(a.shape))
        load_s = time.perf_counter() - t0
        if head is None:
            raise RuntimeError(f"the {a.shape} shape has no regression head: predictCorpus needs one")
        results = [None] * len(files)
        audio_seconds = 0.0
        t0 = time.perf_counter()
        with torch.inference_mode():
            if a.mode == "files":
                order, size = list(range(len(files))), 1
            elif a.mode == "batches":
                order, size = list(range(len(files))), a.batch
            else:
                info = [torchaudio.info(f) for f in files]
                order = sorted(range(len(files)), key=lambda i: info[i].num_frames / info[i].sample_rate)
                size = a.batch
            for start in range(0, len(order), size):
                chunk = order[start : start + size]
                waves = [read_audio(files[i]) for i in chunk]
                audio_seconds += sum(w.numel() for w in waves) / SAMPLE_RATE
                out = predict(model, head, waves)
                for k, i in enumerate(chunk):
                    results[i] = out[k].tolist()
        seconds = time.perf_counter() - t0
        with open(a.out, "w") as f:
            for file, values in zip(files, results):
                f.write(json.dumps({"file": file, **dict(zip(LABELS, values))}) + "\n")
        print(
            json.dumps(
                {
                    "mode": a.mode,
                    "files": len(files),
                    "audio_seconds": audio_seconds,
                    "seconds": seconds,
                    "audio_s_per_s": audio_seconds / seconds,
                    "load_s": load_s,
                    "threads": torch.get_num_threads(),
                    "torch": torch.__version__,
                    "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
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
