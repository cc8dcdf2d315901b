#!/usr/bin/python3
"""The PyTorch peer of the inference benchmarks: torchaudio's Wav2Vec2Model (or, for --shape cnn14,
the reference PANNs Cnn14 of scripts/gen-cnn14-fixtures.py) with the SAME weights as the ser-torch
side, read back from bench/.cache/<shape>/model.safetensors.

    /usr/bin/python3 bench/peer_pytorch.py --shape large-12 --batch 1 --seconds 4 [--threads N]

Runs `warmup` untimed and `iters` timed forward passes under torch.inference_mode() and prints
one JSON line. With --serve (used by bench/predict.js to interleave the sides, so that load from
elsewhere on the machine hits them alike) it prints {"ready": true} after the warm-up, then runs
one timed pass per "run" line on stdin, answering {"t": seconds}, until "done", when it prints
the same JSON line as without --serve. Each timed pass covers what a user of Hugging Face's pipeline pays per call:
the per-item normalisation of Wav2Vec2FeatureExtractor ((x - mean) / sqrt(var + 1e-7)), the
forward pass, the mean over frames and, for models with a head, dense -> tanh -> out_proj.
For cnn14 a timed pass is the whole PANNs pipeline on the raw waveform (no normalisation, as CNN14's
do_normalize is false): torchaudio's MelSpectrogram (16 kHz, n_fft 512, hop 160, 64 Slaney bins,
50-8000 Hz), 10 log10(clamp(x, 1e-10)), then Cnn14 in eval mode up to its fc_out logits.
torch's thread settings stay at the interpreter's defaults unless --threads is given.

--precision bf16 first tries torch.autocast("cpu", dtype=torch.bfloat16) on one untimed probe call;
where that raises (torch 1.13 on every wav2vec2 shape: group_norm/layer_norm get bf16 activations
and float32 weights), the model is cast to bfloat16 instead (input normalised in float32 then cast,
output cast back to float32). The JSON line says which ran ("variant") and why autocast did not.
--precision int8 is torch.quantization.quantize_dynamic of every nn.Linear to qint8 on the oneDNN
engine. A failure before the result prints {"error": "..."} as its last stdout line.
"""
import argparse
import gc
import importlib.util
import json
import os
import resource
import statistics
import struct
import sys
import time
import traceback

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE_RATE = 16000

_spec = importlib.util.spec_from_file_location("make_bench_models", os.path.join(HERE, "make-bench-models.py"))
shapes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shapes)

_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def read_safetensors(path):
    """Yields (name, tensor) one at a time, so peak memory stays near the model's own size."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        base = 8 + n
        for name, meta in header.items():
            if name == "__metadata__":
                continue
            start, end = meta["data_offsets"]
            buf = bytearray(end - start)
            f.seek(base + start)
            f.readinto(buf)
            t = torch.frombuffer(buf, dtype=_DTYPES[meta["dtype"]]) if buf else torch.empty(0, dtype=_DTYPES[meta["dtype"]])
            yield name, t.reshape(meta["shape"])


def torchaudio_name(hf_name, prefix):
    """Hugging Face key -> (torchaudio module part, key): the inverse of scripts/hf_export.py."""
    if hf_name.startswith("classifier."):
        return "head", hf_name[len("classifier."):]
    if prefix and hf_name.startswith(prefix):
        hf_name = hf_name[len(prefix):]
    if hf_name.startswith("feature_projection."):
        return "model", "encoder." + hf_name
    if hf_name.startswith("encoder."):
        return "model", "encoder.transformer." + hf_name[len("encoder."):]
    return "model", hf_name


def load_cnn14(shape, folder):
    """(Cnn14 with the folder's weights, eval mode; the torchaudio log-Mel front end)."""
    model, _ = shapes.build(shape)
    target = model.state_dict()
    seen = set()
    with torch.no_grad():
        for name, t in read_safetensors(os.path.join(folder, "model.safetensors")):
            if name not in target:
                sys.exit(f"peer_pytorch: {name} has no place in the reference Cnn14")
            if tuple(target[name].shape) != tuple(t.shape):
                sys.exit(f"peer_pytorch: {name}: shape {list(t.shape)} != {list(target[name].shape)}")
            target[name].copy_(t)
            seen.add(name)
    missing = [k for k in target if k not in seen and not k.endswith("num_batches_tracked")]
    if missing:
        sys.exit(f"peer_pytorch: Cnn14 weights missing from the folder: {missing[:5]}")
    del target
    gc.collect()
    return model, shapes.cnn14_ref.mel_transform()


def cnn14_logits(model, mel, raw, dtype=None):
    """(B, L) waveform -> (B, 3) logits: log-Mel (B, T, 64) in dB as ser-torch computes it, then Cnn14.
    With dtype (a model cast to bf16), the log-Mel is computed in float32 and cast for the network."""
    logmel = (10.0 * torch.log10(torch.clamp(mel(raw), min=shapes.cnn14_ref.AMIN))).transpose(1, 2)
    if dtype is not None:
        return model(logmel.to(dtype))["logits"].float()
    return model(logmel)["logits"]


def load(shape, folder):
    if shapes.kind_of(shape) == "cnn14":
        return load_cnn14(shape, folder)
    model, head = shapes.build(shape)
    targets = {"model": model.state_dict(), "head": head.state_dict() if head is not None else {}}
    seen = {"model": set(), "head": set()}
    prefix = shapes.SHAPES[shape]["prefix"]
    with torch.no_grad():
        for hf_name, t in read_safetensors(os.path.join(folder, "model.safetensors")):
            part, key = torchaudio_name(hf_name, prefix)
            if key not in targets[part]:
                sys.exit(f"peer_pytorch: {hf_name} has no place in the torchaudio model ({part}.{key})")
            dst = targets[part][key]
            if tuple(dst.shape) != tuple(t.shape):
                sys.exit(f"peer_pytorch: {hf_name}: shape {list(t.shape)} != {list(dst.shape)}")
            dst.copy_(t)
            seen[part].add(key)
    for part in ("model", "head"):
        missing = set(targets[part]) - seen[part]
        if missing:
            sys.exit(f"peer_pytorch: {part} weights missing from the folder: {sorted(missing)[:5]}")
    del targets
    gc.collect()
    return model, head


def make_input(batch, samples, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(batch, samples, generator=g) * 0.1


def normalise(raw):
    """Wav2Vec2FeatureExtractor(do_normalize=True): zero mean, unit population variance per item."""
    mean = raw.mean(dim=1, keepdim=True)
    var = raw.var(dim=1, unbiased=False, keepdim=True)
    return (raw - mean) / torch.sqrt(var + 1e-7)


def step(model, head, raw, dtype=None):
    """With dtype (a model cast to bf16), the input is normalised in float32 and cast for the model,
    and the pooled embedding or logits come back as float32, as a caller would want them."""
    x = normalise(raw)
    if dtype is not None:
        x = x.to(dtype)
    hidden, _ = model(x)
    pooled = hidden.mean(dim=1)
    out = head(pooled) if head is not None else pooled
    return out.float() if dtype is not None else out


def where(e):
    """'file.py:line function' of the innermost frame of an exception: which op failed."""
    frame = traceback.extract_tb(e.__traceback__)[-1]
    return f"{os.path.basename(frame.filename)}:{frame.lineno} {frame.name}"


def describe(e):
    return f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''} (at {where(e)})"


def quantise_int8(model, head, is_cnn14):
    """torch's dynamic int8 quantisation of every nn.Linear (weights int8 once, activations per call),
    on the oneDNN engine, like ser-torch's int8."""
    torch.backends.quantized.engine = "onednn"
    # In place: its default deepcopy fails on torchaudio's weight-norm positional conv, whose computed
    # `weight` is a non-leaf tensor until a forward pass has run ("Only Tensors created explicitly by
    # the user (graph leaves) support the deepcopy protocol at the moment").
    torch.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
    if head is not None and not is_cnn14:
        torch.quantization.quantize_dynamic(head, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
    return model, head


def bf16_runner(make_run, model, head, raw, is_cnn14):
    """(run, variant, autocast error): torch.autocast('cpu', bfloat16) if a probe call passes, else the
    model cast to bfloat16 (torch 1.13's CPU autocast has no rule for group_norm/layer_norm, which
    then get bf16 activations with float32 weights and raise)."""
    def autocast_run(x):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return make_run(model, head, None)(x).float()
    try:
        with torch.inference_mode():
            autocast_run(raw)
        return autocast_run, "autocast", None
    except RuntimeError as e:
        error = describe(e)
    model.to(torch.bfloat16)
    if head is not None and not is_cnn14:
        head.to(torch.bfloat16)
    return make_run(model, head, torch.bfloat16), "cast", error


def prepare(a, model, head, raw):
    """(run, variant, autocast error) for --precision; cnn14's `head` is its log-Mel front end."""
    is_cnn14 = shapes.kind_of(a.shape) == "cnn14"

    def make_run(m, h, dtype):
        if is_cnn14:
            return lambda x: cnn14_logits(m, h, x, dtype)
        return lambda x: step(m, h, x, dtype)

    if a.precision == "bf16":
        return bf16_runner(make_run, model, head, raw, is_cnn14)
    if a.precision == "int8":
        model, head = quantise_int8(model, head, is_cnn14)
        return make_run(model, head, None), f"dynamic int8 ({torch.backends.quantized.engine})", None
    return make_run(model, head, None), "fp32", None


def measure(a):
    if a.threads is not None:
        torch.set_num_threads(a.threads)
    folder = a.dir or shapes.folder_for(a.shape)
    raw = make_input(a.batch, int(round(a.seconds * SAMPLE_RATE)), a.seed)
    t0 = time.perf_counter()
    model, head = load(a.shape, folder)  # cnn14: head is the log-Mel front end
    run, variant, autocast_error = prepare(a, model, head, raw)
    load_s = time.perf_counter() - t0  # with the precision's preparation (bf16: the autocast probe)
    times = []

    def timed():
        t = time.perf_counter()
        result = run(raw)
        times.append(time.perf_counter() - t)
        return result

    with torch.inference_mode():
        for _ in range(a.warmup):
            out = run(raw)
        if a.serve:
            print(json.dumps({"ready": True}), flush=True)
            while True:
                line = sys.stdin.readline()
                cmd = line.strip()
                if cmd == "done" or not line:
                    break
                if cmd != "run":
                    sys.exit(f"peer_pytorch: unknown command {cmd!r}")
                out = timed()
                print(json.dumps({"t": times[-1]}), flush=True)
            if not times:
                sys.exit("peer_pytorch: no timed passes")
        else:
            for _ in range(a.iters):
                out = timed()
    if not torch.isfinite(out).all():
        sys.exit("peer_pytorch: non-finite output")

    median = statistics.median(times)
    seconds_audio = a.batch * a.seconds
    print(
        json.dumps(
            {
                "shape": a.shape,
                "batch": a.batch,
                "seconds_audio": seconds_audio,
                "median_s": median,
                "audio_s_per_s": seconds_audio / median,
                "times_s": times,
                "load_s": load_s,
                "precision": a.precision,
                "variant": variant,
                "autocast_error": autocast_error,
                "threads": torch.get_num_threads(),
                "torch": torch.__version__,
                # Linux reports ru_maxrss in KiB.
                "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        ),
        flush=True,
    )



def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shape", required=True, choices=sorted(shapes.SHAPES))
    p.add_argument("--dir", help="model folder (default bench/.cache/<shape>)")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--seconds", type=float, default=4.0)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--iters", type=int, default=5)
    p.add_argument("--threads", type=int, help="torch.set_num_threads(N); default: leave torch's setting alone")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--serve", action="store_true", help="timed passes on request (see above); --iters is ignored")
    p.add_argument("--precision", choices=("fp32", "bf16", "int8"), default="fp32",
                   help="bf16: autocast, or the model cast to bf16 where autocast fails; int8: dynamic "
                        "quantisation of the nn.Linear layers (oneDNN)")
    a = p.parse_args()

    if a.iters < 1 or a.warmup < 0 or a.batch < 1 or a.seconds <= 0:
        p.error("--iters and --batch must be positive, --warmup non-negative, --seconds positive")
    try:
        measure(a)
    except Exception as e:  # one JSON line the driver shows in the column ("n/a: ...")
        traceback.print_exc()
        print(json.dumps({"error": describe(e)}), flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
