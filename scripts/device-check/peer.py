"""scripts/device-check.sh's Python side: the benchmark model folders and clips, and the PyTorch
eager peer of the throughput table.

    peer.py make --out DIR --shapes wav2vec2-base,large-12 --batch 8 --seconds 8 --clips 104
    peer.py bench --model DIR/large-12 --mode train|infer --device cuda --attn eager|sdpa \
                  --batch 8 --seconds 8 --steps 10 --warmup 3

Models are written once, with random weights under a fixed seed, in Hugging Face layout (what
ser-torch loads) from transformers' Wav2Vec2Model when transformers is importable, else from
torchaudio (scripts/hf_export.py); the peer loads the same folder, so both sides run the same
weights. The peer does what ser-torch's train() does per step: CNN frozen, mean pooling, the
audEERING head (dense -> tanh -> out_proj), CCC loss, Adam lr 1e-4, dropout / LayerDrop /
SpecAugment off; under torch.autocast(device, bfloat16) for precision bf16. Inference: the same
forward under torch.inference_mode. "--attn sdpa" needs transformers (torch.nn.functional's
scaled_dot_product_attention); "eager" leaves torch.backends.cuda.matmul at its defaults.
Prints one JSON line; a failure prints {"error": ...}.
"""
import argparse
import json
import os
import sys
import time
import wave

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import hf_export  # noqa: E402  (scripts/hf_export.py)

try:
    import transformers  # noqa: F401
    HAVE_TRANSFORMERS = True
except Exception:  # noqa: BLE001 - any import failure means: use torchaudio
    HAVE_TRANSFORMERS = False

LABELS = ["arousal", "dominance", "valence"]
CONV = [(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512, 2, 2)] * 2
# The two models, and a tiny one for the CPU dry run.
SHAPES = {
    # facebook/wav2vec2-base: group-norm feature encoder, post-LN, no conv bias, no head.
    "wav2vec2-base": dict(seed=0, head=False, prefix="", hidden=768, layers=12, heads=12, intermediate=3072,
                          norm="group", conv_bias=False, stable=False, conv=CONV, pos=(128, 16)),
    # audeering/wav2vec2-large-robust-12-ft-emotion-msp-dim's shape: layer-norm encoder, pre-LN, head.
    "large-12": dict(seed=1, head=True, prefix="wav2vec2.", hidden=1024, layers=12, heads=16, intermediate=4096,
                     norm="layer", conv_bias=True, stable=True, conv=CONV, pos=(128, 16)),
    "tiny": dict(seed=2, head=True, prefix="wav2vec2.", hidden=64, layers=2, heads=4, intermediate=128,
                 norm="layer", conv_bias=True, stable=True, conv=[(64, 10, 5)] + [(64, 3, 2)] * 4 + [(64, 2, 2)] * 2,
                 pos=(16, 4)),
}
NO_DROPOUT = dict(hidden_dropout=0.0, attention_dropout=0.0, activation_dropout=0.0, feat_proj_dropout=0.0,
                  final_dropout=0.0, layerdrop=0.0)


def config_for(name):
    s = SHAPES[name]
    return hf_export.hf_config(
        "wav2vec2", hidden=s["hidden"], layers=s["layers"], heads=s["heads"], intermediate=s["intermediate"],
        conv=s["conv"], norm=s["norm"], conv_bias=s["conv_bias"], stable=s["stable"], pos_kernel=s["pos"][0],
        pos_groups=s["pos"][1], id2label=LABELS if s["head"] else None,
        architectures=["Wav2Vec2ForSpeechClassification"] if s["head"] else None, **NO_DROPOUT)


def backbone_state(name):
    """Random backbone weights in Hugging Face's key names (no prefix)."""
    s = SHAPES[name]
    torch.manual_seed(s["seed"])
    if HAVE_TRANSFORMERS:
        from transformers import Wav2Vec2Config, Wav2Vec2Model
        model = Wav2Vec2Model(Wav2Vec2Config(**config_for(name)))
        return {k: v.detach().clone() for k, v in model.state_dict().items()}
    import torchaudio
    model = torchaudio.models.wav2vec2_model(
        extractor_mode="layer_norm" if s["norm"] == "layer" else "group_norm",
        extractor_conv_layer_config=s["conv"], extractor_conv_bias=s["conv_bias"], encoder_embed_dim=s["hidden"],
        encoder_projection_dropout=0.0, encoder_pos_conv_kernel=s["pos"][0], encoder_pos_conv_groups=s["pos"][1],
        encoder_num_layers=s["layers"], encoder_num_heads=s["heads"], encoder_attention_dropout=0.0,
        encoder_ff_interm_features=s["intermediate"], encoder_ff_interm_dropout=0.0, encoder_dropout=0.0,
        encoder_layer_norm_first=s["stable"], encoder_layer_drop=0.0, aux_num_out=None)
    return hf_export.hf_state_dict(model)


def write_wav(path, samples):
    pcm = (samples.clamp(-1, 1) * 32767).to(torch.int16).numpy().tobytes()
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(pcm)


def make(args):
    for name in args.shapes.split(","):
        folder = os.path.join(args.out, name)
        if os.path.exists(os.path.join(folder, "model.safetensors")):
            continue
        s = SHAPES[name]
        tensors = {s["prefix"] + k: v for k, v in backbone_state(name).items()}
        head = hf_export.RegressionHead(s["hidden"], len(LABELS))
        for k, v in head.state_dict().items():
            tensors["classifier." + k] = v.detach().clone()
        config = config_for(name)
        config["id2label"] = {str(i): n for i, n in enumerate(LABELS)}
        config["label2id"] = {n: i for i, n in enumerate(LABELS)}
        pre = {"feature_size": 1, "sampling_rate": 16000, "padding_value": 0.0, "do_normalize": True,
               "return_attention_mask": s["stable"]}
        hf_export.write_folder(folder, tensors, config, pre)
    # Equal-length clips: every batch holds batch x seconds of audio, as the "batch 8 x 8 s".
    clips = os.path.join(args.out, f"clips-{args.seconds:g}s")
    os.makedirs(clips, exist_ok=True)
    g = torch.Generator().manual_seed(0)
    rows = []
    for i in range(args.clips):
        path = os.path.join(clips, f"{i:04d}.wav")
        if not os.path.exists(path):
            write_wav(path, 0.1 * torch.randn(int(args.seconds * 16000), generator=g))
        labels = torch.rand(3, generator=g).tolist()
        rows.append(f"{path},{labels[0]:.4f},{labels[1]:.4f},{labels[2]:.4f}")
    for csv, part in (("train.csv", rows), ("dev.csv", rows[: args.batch])):
        with open(os.path.join(clips, csv), "w") as f:
            f.write("file,arousal,dominance,valence\n" + "\n".join(part) + "\n")


class Peer(torch.nn.Module):
    """Backbone + mean pooling + audEERING head, the weights read from a ser-torch model folder."""

    def __init__(self, folder, attn):
        super().__init__()
        with open(os.path.join(folder, "config.json")) as f:
            config = json.load(f)
        tensors = read_safetensors(os.path.join(folder, "model.safetensors"))
        prefix = "wav2vec2." if any(k.startswith("wav2vec2.") for k in tensors) else ""
        backbone = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix) and not k.startswith("classifier.")}
        self.head = hf_export.RegressionHead(config["hidden_size"], len(LABELS))
        self.head.load_state_dict({k[len("classifier."):]: v for k, v in tensors.items() if k.startswith("classifier.")})
        if HAVE_TRANSFORMERS:
            from transformers import Wav2Vec2Config, Wav2Vec2Model
            self.backbone = Wav2Vec2Model(Wav2Vec2Config(**config, attn_implementation=attn))
            self.backbone.load_state_dict(backbone)
            self.backbone.feature_extractor._freeze_parameters()
            self.variant = f"transformers {transformers.__version__} Wav2Vec2Model, attention {attn}"
        else:
            if attn != "eager":
                raise RuntimeError("attention 'sdpa' needs transformers")
            import torchaudio
            s = next(v for v in SHAPES.values() if v["hidden"] == config["hidden_size"] and v["layers"] == config["num_hidden_layers"])
            self.backbone = torchaudio.models.wav2vec2_model(
                extractor_mode="layer_norm" if s["norm"] == "layer" else "group_norm",
                extractor_conv_layer_config=s["conv"], extractor_conv_bias=s["conv_bias"], encoder_embed_dim=s["hidden"],
                encoder_projection_dropout=0.0, encoder_pos_conv_kernel=s["pos"][0], encoder_pos_conv_groups=s["pos"][1],
                encoder_num_layers=s["layers"], encoder_num_heads=s["heads"], encoder_attention_dropout=0.0,
                encoder_ff_interm_features=s["intermediate"], encoder_ff_interm_dropout=0.0, encoder_dropout=0.0,
                encoder_layer_norm_first=s["stable"], encoder_layer_drop=0.0, aux_num_out=None)
            ta = {}
            for k, v in backbone.items():
                k = k.replace("feature_projection.", "encoder.feature_projection.", 1) if k.startswith("feature_projection.") else k
                k = k.replace("encoder.", "encoder.transformer.", 1) if k.startswith("encoder.") and not k.startswith("encoder.feature_projection.") else k
                ta[k] = v
            self.backbone.load_state_dict(ta)
            for p in self.backbone.feature_extractor.parameters():
                p.requires_grad_(False)
            self.variant = f"torchaudio {torchaudio.__version__} wav2vec2_model, attention eager"

    def forward(self, wave):
        wave = (wave - wave.mean(-1, keepdim=True)) / torch.sqrt(wave.var(-1, keepdim=True) + 1e-7)
        if HAVE_TRANSFORMERS:
            hidden = self.backbone(wave).last_hidden_state
        else:
            hidden = self.backbone(wave)[0]
        return self.head(hidden.mean(1))


def read_safetensors(path):
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        data = f.read()
    dtypes = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
    out = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        a, b = h["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[a:b]), dtype=dtypes[h["dtype"]]).reshape(h["shape"])
    return out


def ccc_loss(pred, target):
    pm, tm = pred.mean(0), target.mean(0)
    pv, tv = pred.var(0, unbiased=False), target.var(0, unbiased=False)
    cov = ((pred - pm) * (target - tm)).mean(0)
    return (1 - 2 * cov / (pv + tv + (pm - tm) ** 2)).mean()


def bench(args):
    device = torch.device(args.device)
    model = Peer(args.model, args.attn).to(device)
    g = torch.Generator().manual_seed(0)
    wave = (0.1 * torch.randn(args.batch, int(args.seconds * 16000), generator=g)).to(device)
    target = torch.rand(args.batch, 3, generator=g).to(device)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.precision == "bf16")
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    if args.mode == "train":
        model.train()
        opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-4)

        def step():
            opt.zero_grad(set_to_none=True)
            with autocast:
                loss = ccc_loss(model(wave).float(), target)
            loss.backward()
            opt.step()
    else:
        model.eval()

        def step():
            with torch.inference_mode(), autocast:
                model(wave)
    for _ in range(args.warmup):
        step()
    sync()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        step()
    sync()
    per_step = (time.perf_counter() - t0) / args.steps
    print(json.dumps({"side": "pytorch", "variant": model.variant, "torch": torch.__version__, "mode": args.mode,
                      "model": args.model, "device": args.device, "precision": args.precision, "attn": args.attn,
                      "batch": args.batch, "seconds": args.seconds, "s_per_step": per_step,
                      "samples_per_s": args.batch / per_step, "audio_s_per_s": args.batch * args.seconds / per_step}))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["make", "bench"])
    p.add_argument("--out")
    p.add_argument("--shapes", default="wav2vec2-base,large-12")
    p.add_argument("--clips", type=int, default=104)
    p.add_argument("--model")
    p.add_argument("--mode", choices=["train", "infer"], default="infer")
    p.add_argument("--device", default="cuda")
    p.add_argument("--precision", choices=["bf16", "fp32"], default="bf16")
    p.add_argument("--attn", choices=["eager", "sdpa"], default="eager")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--seconds", type=float, default=8)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    args = p.parse_args()
    try:
        make(args) if args.command == "make" else bench(args)
    except Exception as e:  # noqa: BLE001 - reported as the JSON line the table reads
        print(json.dumps({"side": "pytorch", "error": f"{type(e).__name__}: {e}"}))
        sys.exit(1)


if __name__ == "__main__":
    main()
