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

--precision bf16 runs the step under torch.autocast("cpu", dtype=torch.bfloat16) if one untimed
probe step passes; torch 1.13's CPU autocast raises on wav2vec2 (group_norm/layer_norm get bf16
activations with float32 weights), and then the model is cast to bfloat16 and the optimiser runs
on the bf16 parameters, without float32 master weights. The JSON line says which ran ("variant")
and why autocast did not. A failure prints {"error": "..."} as its last stdout line.
"""
import argparse
import importlib.util
import json
import os
import resource
import statistics
import sys
import time
import traceback

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
    p.add_argument("--precision", choices=("fp32", "bf16"), default="fp32",
                   help="bf16: autocast, or a pure-bf16 model where autocast fails (see above)")
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    try:
        setup = cnn14_setup if peer.shapes.kind_of(a.shape) == "cnn14" else wav2vec2_setup
        times, loss, variant, autocast_error = train_steps(a, *setup(a))
    except Exception as e:  # one JSON line the driver shows in the column ("n/a: ...")
        traceback.print_exc()
        print(json.dumps({"error": peer.describe(e)}), flush=True)
        return 1
    if not torch.isfinite(loss):
        sys.exit("peer_train_pytorch: non-finite loss")
    median = statistics.median(times)
    print(json.dumps({
        "shape": a.shape, "batch": a.batch, "seconds_audio": a.batch * a.seconds, "median_s": median,
        "audio_s_per_s": a.batch * a.seconds / median, "times_s": times, "loss": loss.item(),
        "precision": a.precision, "variant": variant, "autocast_error": autocast_error,
        "threads": torch.get_num_threads(), "torch": torch.__version__,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))
    return 0


def cnn14_setup(a):
    """(modules, forward(raw, dtype) -> predictions, optimiser factory) of the CNN14 recipe."""
    model, mel = peer.load(a.shape, peer.shapes.folder_for(a.shape))
    model.train()

    def forward(raw, dtype):
        return peer.cnn14_logits(model, mel, raw, dtype)

    def optimiser():
        return torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
    return model, forward, optimiser


def wav2vec2_setup(a):
    """The same for wav2vec2: CNN frozen (no graph through it), mean pooling, a fresh head, Adam."""
    model, _ = peer.load(a.shape, peer.shapes.folder_for(a.shape))
    hidden = model.encoder.feature_projection.projection.out_features
    torch.manual_seed(0)
    head = torch.nn.Sequential(torch.nn.Linear(hidden, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, 3))
    for prm in model.feature_extractor.parameters():
        prm.requires_grad_(False)
    model.train()

    def forward(raw, dtype):
        x = peer.normalise(raw)
        if dtype is not None:
            x = x.to(dtype)
        with torch.no_grad():  # frozen CNN: no graph through it
            feats, lengths = model.feature_extractor(x, None)
        out = model.encoder(feats, lengths)
        return head(out.mean(1))

    def optimiser():
        params = [q for q in list(model.parameters()) + list(head.parameters()) if q.requires_grad]
        return torch.optim.Adam(params, lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    return torch.nn.ModuleList([model, head]), forward, optimiser


def train_steps(a, modules, forward, optimiser):
    """Times warm-up + iters steps. bf16: torch.autocast if one probe step passes (an extra untimed
    step), else the modules cast to bfloat16 with the optimiser on the bf16 parameters (no float32
    master weights): what torch 1.13 leaves a bf16 user with on wav2vec2 (its CPU autocast has no
    rule for group_norm/layer_norm). The loss is computed in float32 either way."""
    raw = peer.make_input(a.batch, int(round(a.seconds * peer.SAMPLE_RATE)), 7)
    gold = torch.rand(a.batch, 3, generator=torch.Generator().manual_seed(3))
    opt = optimiser()
    torch.manual_seed(0)  # dropout masks (cnn14)
    mode = {"autocast": False, "dtype": None}

    def one_step():
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=mode["autocast"]):
            pred = forward(raw, mode["dtype"])
        loss = ccc_loss(pred.float(), gold)
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss

    variant, autocast_error = "fp32", None
    if a.precision == "bf16":
        mode["autocast"] = True
        try:
            one_step()
            variant = "autocast"
        except RuntimeError as e:
            autocast_error = peer.describe(e)
            opt.zero_grad()
            modules.to(torch.bfloat16)
            mode.update(autocast=False, dtype=torch.bfloat16)
            opt = optimiser()  # its state must be bf16 like the parameters
            variant = "cast"
    times = []
    for i in range(a.warmup + a.iters):
        t = time.perf_counter()
        loss = one_step()
        if i >= a.warmup:
            times.append(time.perf_counter() - t)
    return times, loss, variant, autocast_error


if __name__ == "__main__":
    sys.exit(main())
