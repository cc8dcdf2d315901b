#!/usr/bin/python3
"""Exports a benchmark model to ONNX for the onnxruntime-node column of bench/predict.js.

    /usr/bin/python3 bench/export-onnx.py <shape> ...   ->  bench/.cache/onnx/<shape>.onnx

The graph is the very module bench/peer_pytorch.py times, with the same weights (read back from
bench/.cache/<shape>/model.safetensors): torchaudio's Wav2Vec2Model between the per-item
normalisation of Wav2Vec2FeatureExtractor and the mean over frames, plus the regression head for
shapes that have one. Input "input" (batch, samples) float32, output "output": the pooled embedding
(embed()) or the logits (predict()). Batch and length are dynamic axes, so one file serves every
case of a shape. torch.onnx.export of torch 1.13 writes the protobuf itself (no `onnx` package).

A file newer than its model.safetensors is left alone. cnn14 is not exported: its log-Mel front end
(torch.stft with complex output) has no ONNX export in torch 1.13.
"""
import importlib.util
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, ".cache", "onnx")
OPSET = 17  # torch 1.13's newest; has LayerNormalization as one op

_spec = importlib.util.spec_from_file_location("peer_pytorch", os.path.join(HERE, "peer_pytorch.py"))
peer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(peer)


class Pipeline(torch.nn.Module):
    """peer_pytorch.step() as a module, so the exported graph does the same work per call."""

    def __init__(self, model, head):
        super().__init__()
        self.model = model
        self.head = head

    def forward(self, raw):
        return peer.step(self.model, self.head, raw)


def onnx_path(shape):
    return os.path.join(OUT_DIR, shape + ".onnx")


def is_current(shape):
    out = onnx_path(shape)
    weights = os.path.join(peer.shapes.folder_for(shape), "model.safetensors")
    return os.path.isfile(out) and os.path.getmtime(out) >= os.path.getmtime(weights)


def export(shape):
    if peer.shapes.kind_of(shape) == "cnn14":
        sys.exit("export-onnx: cnn14 is not exported (torch.stft has no ONNX export in torch 1.13)")
    if is_current(shape):
        print(f"{shape}: ONNX present ({onnx_path(shape)})", flush=True)
        return
    model, head = peer.load(shape, peer.shapes.folder_for(shape))
    pipeline = Pipeline(model, head).eval()
    example = peer.make_input(1, 4 * peer.SAMPLE_RATE, 1234)
    os.makedirs(OUT_DIR, exist_ok=True)
    # Written beside the final file and renamed, so an interrupted export never leaves half a graph.
    tmp = onnx_path(shape) + ".tmp-" + str(os.getpid())
    with torch.no_grad():
        torch.onnx.export(
            pipeline, (example,), tmp, input_names=["input"], output_names=["output"],
            dynamic_axes={"input": {0: "batch", 1: "samples"}, "output": {0: "batch"}},
            opset_version=OPSET, do_constant_folding=True)
    os.replace(tmp, onnx_path(shape))
    print(f"{shape}: wrote {onnx_path(shape)} ({os.path.getsize(onnx_path(shape)) / 1e6:.0f} MB)", flush=True)


def main(argv):
    if not argv:
        sys.exit("usage: export-onnx.py <shape> ...")
    for shape in argv:
        if shape not in peer.shapes.SHAPES:
            sys.exit(f"export-onnx: unknown shape {shape!r} (known: {', '.join(peer.shapes.SHAPES)})")
    for shape in argv:
        export(shape)


if __name__ == "__main__":
    main(sys.argv[1:])
