#!/usr/bin/python3
"""Writes the random-weight benchmark models, in Hugging Face layout, into bench/.cache/<name>/.

Run with Debian's interpreter (python3-torch 1.13, python3-torchaudio 0.13):

    /usr/bin/python3 bench/make-bench-models.py [name ...]

A folder that already holds config.json and model.safetensors is left alone. The weights are
random (torchaudio's default init under a fixed seed): the benchmarks measure speed, not accuracy.
bench/peer_pytorch.py imports SHAPES and build() from this file to rebuild the same torchaudio
module and then loads the weights back from the folder, so both sides run identical models.

"cnn14" is PANNs' Cnn14_16k at full width (channels 64 ... 2048, head fc_out with 3 outputs), built
from the reference module in scripts/gen-cnn14-fixtures.py (imported, not copied): Xavier weights and
BatchNorm running statistics calibrated on that script's test waveforms, so they are not the trivial
(0, 1). Its folder is ser-torch's CNN14 layout (PANNs key names, config model_type "cnn14").
"""
import collections
import importlib.util
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, ".cache")
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))

import torch  # noqa: E402
import torchaudio  # noqa: E402

import hf_export  # noqa: E402  (scripts/hf_export.py)

_spec = importlib.util.spec_from_file_location(
    "gen_cnn14_fixtures", os.path.join(HERE, "..", "scripts", "gen-cnn14-fixtures.py"))
cnn14_ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cnn14_ref)

# wav2vec 2.0's feature encoder: (channels, kernel, stride) per conv layer.
CONV = [(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512, 2, 2)] * 2
NO_DROPOUT = dict(
    encoder_projection_dropout=0.0,
    encoder_attention_dropout=0.0,
    encoder_ff_interm_dropout=0.0,
    encoder_dropout=0.0,
    encoder_layer_drop=0.0,
)
HF_NO_DROPOUT = dict(
    hidden_dropout=0.0,
    attention_dropout=0.0,
    activation_dropout=0.0,
    feat_proj_dropout=0.0,
    final_dropout=0.0,
    layerdrop=0.0,
)
LABELS = ["arousal", "dominance", "valence"]

SHAPES = {
    # facebook/wav2vec2-base: group-norm feature encoder, post-LN transformer, no conv bias.
    "wav2vec2-base": dict(
        seed=0,
        head=False,
        prefix="",
        hidden=768,
        layers=12,
        heads=12,
        intermediate=3072,
        norm="group",
        conv_bias=False,
        stable=False,
        do_normalize=True,
        return_attention_mask=False,
    ),
    # audeering/wav2vec2-large-robust-12-ft-emotion-msp-dim: wav2vec2-large-robust cut to 12
    # layers (layer-norm feature encoder with conv bias, pre-LN transformer) + regression head.
    "large-12": dict(
        seed=1,
        head=True,
        prefix="wav2vec2.",
        hidden=1024,
        layers=12,
        heads=16,
        intermediate=4096,
        norm="layer",
        conv_bias=True,
        stable=True,
        do_normalize=True,
        return_attention_mask=True,
    ),
    # PANNs Cnn14_16k (the paper's CNN14 baseline) with a 3-output regression head fc_out; its
    # input is the 16 kHz log-Mel (torchaudio MelSpectrogram, 64 bins, 50-8000 Hz, then dB).
    "cnn14": dict(
        seed=14,
        kind="cnn14",
        head=True,
        prefix="",
        channels=(64, 128, 256, 512, 1024, 2048),
    ),
}


def kind_of(name):
    return SHAPES[name].get("kind", "wav2vec2")


RegressionHead = hf_export.RegressionHead


def build_cnn14(name, calibrate=False):
    """The reference Cnn14 (scripts/gen-cnn14-fixtures.py) at this shape's width, eval mode. With
    calibrate, its random weights and BatchNorm statistics as written into the folder; without, the
    module only, to be filled from model.safetensors (bench/peer_pytorch.py)."""
    s = SHAPES[name]
    torch.manual_seed(s["seed"])
    model = cnn14_ref.Cnn14(s["channels"], len(LABELS), "fc_out")
    if calibrate:
        mel = cnn14_ref.mel_transform()
        with torch.no_grad():
            logmels = [cnn14_ref.log_mel(mel, torch.from_numpy(x)) for x in cnn14_ref.make_inputs()]
        cnn14_ref.init_model(model, logmels, torch.Generator().manual_seed(s["seed"]))
    model.eval()
    return model


def build(name):
    """(torchaudio Wav2Vec2Model, RegressionHead or None), random weights, eval mode; for "cnn14",
    (reference Cnn14, None)."""
    s = SHAPES[name]
    if kind_of(name) == "cnn14":
        return build_cnn14(name), None
    torch.manual_seed(s["seed"])
    if name == "wav2vec2-base":
        model = torchaudio.models.wav2vec2_base(**NO_DROPOUT)
    else:
        model = torchaudio.models.wav2vec2_model(
            extractor_mode="layer_norm" if s["norm"] == "layer" else "group_norm",
            extractor_conv_layer_config=CONV,
            extractor_conv_bias=s["conv_bias"],
            encoder_embed_dim=s["hidden"],
            encoder_pos_conv_kernel=128,
            encoder_pos_conv_groups=16,
            encoder_num_layers=s["layers"],
            encoder_num_heads=s["heads"],
            encoder_ff_interm_features=s["intermediate"],
            encoder_layer_norm_first=s["stable"],
            aux_num_out=None,
            **NO_DROPOUT,
        )
    head = RegressionHead(s["hidden"], len(LABELS)) if s["head"] else None
    model.eval()
    if head is not None:
        head.eval()
    return model, head


def config_for(name):
    s = SHAPES[name]
    if kind_of(name) == "cnn14":
        # Everything else (16 kHz, n_fft 512, hop 160, 64 Mel bins, 50-8000 Hz) is ser-torch's default.
        return {
            "model_type": "cnn14",
            "architectures": ["Cnn14ForSpeechClassification"],
            "channels": list(s["channels"]),
            "id2label": {str(i): label for i, label in enumerate(LABELS)},
            "label2id": {label: i for i, label in enumerate(LABELS)},
        }
    extra = dict(HF_NO_DROPOUT)
    if s["head"]:
        extra.update(pooling_mode="mean", problem_type="regression")
    return hf_export.hf_config(
        "wav2vec2",
        hidden=s["hidden"],
        layers=s["layers"],
        heads=s["heads"],
        intermediate=s["intermediate"],
        conv=CONV,
        norm=s["norm"],
        conv_bias=s["conv_bias"],
        stable=s["stable"],
        pos_kernel=128,
        pos_groups=16,
        id2label=LABELS if s["head"] else None,
        architectures=["Wav2Vec2ForSpeechClassification"] if s["head"] else None,
        **extra,
    )


def preprocessor_for(name):
    s = SHAPES[name]
    if kind_of(name) == "cnn14":
        return {"do_normalize": False, "sampling_rate": 16000, "feature_size": 1}  # PANNs: raw waveform
    return {
        "feature_extractor_type": "Wav2Vec2FeatureExtractor",
        "feature_size": 1,
        "padding_side": "right",
        "padding_value": 0.0,
        "sampling_rate": 16000,
        "do_normalize": s["do_normalize"],
        "return_attention_mask": s["return_attention_mask"],
    }


def folder_for(name):
    return os.path.join(CACHE, name)


def is_complete(folder):
    return all(os.path.isfile(os.path.join(folder, f)) for f in ("config.json", "model.safetensors"))


def make(name):
    folder = folder_for(name)
    if is_complete(folder):
        print(f"{name}: present ({folder})", flush=True)
        return folder
    with torch.no_grad():
        if kind_of(name) == "cnn14":
            # PANNs key names as they are; float tensors only (num_batches_tracked is int64).
            tensors = collections.OrderedDict(
                (k, v.detach().float().clone()) for k, v in build_cnn14(name, calibrate=True).state_dict().items()
                if not k.endswith("num_batches_tracked"))
        else:
            model, head = build(name)
            tensors = hf_export.hf_state_dict(model, SHAPES[name]["prefix"])
            if head is not None:
                for key, value in head.state_dict().items():
                    tensors["classifier." + key] = value.detach().clone()
    # Written beside the final folder and renamed, so an interrupted run never leaves half a model.
    tmp = folder + ".tmp-" + str(os.getpid())
    shutil.rmtree(tmp, ignore_errors=True)
    hf_export.write_folder(tmp, tensors, config_for(name), preprocessor_for(name), fmt="safetensors")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)
    n = sum(t.numel() for t in tensors.values())
    print(f"{name}: wrote {n / 1e6:.1f}M parameters to {folder}", flush=True)
    return folder


def main(argv):
    names = argv or list(SHAPES)
    for name in names:
        if name not in SHAPES:
            sys.exit(f"unknown shape {name!r} (known: {', '.join(SHAPES)})")
    os.makedirs(CACHE, exist_ok=True)
    for name in names:
        make(name)


if __name__ == "__main__":
    main(sys.argv[1:])
