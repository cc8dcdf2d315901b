#!/usr/bin/python3
"""The PyTorch peer of the fine-tuning benchmark: one training step of torchaudio's wav2vec2 with
the SAME weights as the ser-torch side (bench/.cache/<shape>), the CNN frozen as in the paper,
mean pooling, an audEERING-style head (dense -> tanh -> out_proj), the CCC loss and Adam (lr 1e-4).

    /usr/bin/python3 bench/peer_train_pytorch.py --shape wav2vec2-base --batch 2 --seconds 4 [--threads N]

Prints one JSON line: median seconds per step over --iters steps after --warmup, and audio-seconds
per second. Dropout, LayerDrop and SpecAugment are off on both sides, so both do the same work.

    /usr/bin/python3 bench/peer_train_pytorch.py --shape cnn14 --batch 8 --seconds 4 [--threads N]

does one step of the paper's CNN14 recipe instead: the reference PANNs Cnn14 (bench/.cache/cnn14's
weights) in train mode (BatchNorm on batch statistics, its dropouts on), the torchaudio log-Mel front
end computed inside the step from the raw waveform, the CCC loss on fc_out, and SGD with Nesterov
momentum 0.9, lr 0.01, as ser-torch's train({ architecture: 'cnn14' }) does.
"""
import argparse
import importlib.util
import json
import os
import resource
import statistics
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("peer_pytorch", os.path.join(HERE, "peer_pytorch.py"))
peer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(peer)


def ccc_loss(pred, gold):
    mx, my = pred.mean(0), gold.mean(0)
    vx, vy = ((pred - mx) ** 2).mean(0), ((gold - my) ** 2).mean(0)
    cov = ((pred - mx) * (gold - my)).mean(0)
    return (1 - 2 * cov / (vx + vy + (mx - my) ** 2)).mean()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shape", default="wav2vec2-base")
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--seconds", type=float, default=4.0)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--iters", type=int, default=5)
    p.add_argument("--threads", type=int)
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    if peer.shapes.kind_of(a.shape) == "cnn14":
        times = cnn14_steps(a)
    else:
        times = wav2vec2_steps(a)
    median = statistics.median(times)
    print(json.dumps({
        "shape": a.shape, "batch": a.batch, "seconds_audio": a.batch * a.seconds, "median_s": median,
        "audio_s_per_s": a.batch * a.seconds / median, "times_s": times, "threads": torch.get_num_threads(),
        "torch": torch.__version__, "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


def cnn14_steps(a):
    model, mel = peer.load(a.shape, peer.shapes.folder_for(a.shape))
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
    raw = peer.make_input(a.batch, int(round(a.seconds * peer.SAMPLE_RATE)), 7)
    gold = torch.rand(a.batch, 3, generator=torch.Generator().manual_seed(3))
    torch.manual_seed(0)  # dropout masks
    times = []
    for i in range(a.warmup + a.iters):
        t = time.perf_counter()
        loss = ccc_loss(peer.cnn14_logits(model, mel, raw), gold)
        loss.backward()
        opt.step()
        opt.zero_grad()
        if i >= a.warmup:
            times.append(time.perf_counter() - t)
    if not torch.isfinite(loss):
        sys.exit("peer_train_pytorch: non-finite loss")
    return times


def wav2vec2_steps(a):
    model, _ = peer.load(a.shape, peer.shapes.folder_for(a.shape))
    hidden = model.encoder.feature_projection.projection.out_features
    torch.manual_seed(0)
    head = torch.nn.Sequential(torch.nn.Linear(hidden, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, 3))
    for prm in model.feature_extractor.parameters():
        prm.requires_grad_(False)
    model.train()
    params = [q for q in list(model.parameters()) + list(head.parameters()) if q.requires_grad]
    opt = torch.optim.Adam(params, lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    raw = peer.make_input(a.batch, int(round(a.seconds * peer.SAMPLE_RATE)), 7)
    gold = torch.rand(a.batch, 3, generator=torch.Generator().manual_seed(3))
    times = []
    for i in range(a.warmup + a.iters):
        t = time.perf_counter()
        x = (raw - raw.mean(1, keepdim=True)) / torch.sqrt(raw.var(1, unbiased=False, keepdim=True) + 1e-7)
        with torch.no_grad():  # frozen CNN: no graph through it
            feats, lengths = model.feature_extractor(x, None)
        out = model.encoder(feats, lengths)
        loss = ccc_loss(head(out.mean(1)), gold)
        loss.backward()
        opt.step()
        opt.zero_grad()
        if i >= a.warmup:
            times.append(time.perf_counter() - t)
    return times


if __name__ == "__main__":
    sys.exit(main())
