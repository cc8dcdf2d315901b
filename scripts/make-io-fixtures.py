#!/usr/bin/env python3
"""Writes the small checkpoint fixtures of the C++ io tests into test/fixtures/io/.

Run from the repository root: /usr/bin/python3 scripts/make-io-fixtures.py
Needs torch (Debian's python3-torch). Every value below is exact in float16 and bfloat16, so the
C++ tests (binding/tests/test_io.cpp) compare with ==; keep the two files in step.
"""
import collections
import io
import json
import os
import pickle
import struct
import zipfile

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "io")

# 2**-24 is the smallest float16 subnormal: checks the F16 widening handles subnormals.
F16_VALUES = [0.0, 1.0, -2.0, 0.5, 65504.0, 2.0 ** -24]
BF16_VALUES = [1.0, -0.25, 3.140625, 1.5 * 2.0 ** 100]
F32_VALUES = [0.1, -7.25]


def path(name):
    return os.path.join(OUT, name)


def safetensors_by_hand(name, entries, metadata=None):
    """entries: (tensor name, dtype tag, shape, raw bytes); written with struct + json, not torch."""
    header, blob = {}, b""
    for tname, dtype, shape, raw in entries:
        header[tname] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path(name), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + blob)


def bf16_bytes(values):
    # bfloat16 is the top half of a float32; the values are exact so truncation loses nothing.
    return b"".join(struct.pack("<f", v)[2:] for v in values)


def write_safetensors_fixtures():
    safetensors_by_hand(
        "half.safetensors",
        [
            ("f16", "F16", [2, 3], struct.pack("<6e", *F16_VALUES)),
            ("bf16", "BF16", [4], bf16_bytes(BF16_VALUES)),
            ("f32", "F32", [2], struct.pack("<2f", *F32_VALUES)),
            ("scalar", "F16", [], struct.pack("<e", -1.5)),
            ("empty", "BF16", [0, 3], b""),
        ],
        metadata={"format": "pt"},
    )


def small_state_dict():
    # A real module's state_dict: an OrderedDict carrying the `_metadata` attribute torch adds.
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.LayerNorm(2))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0, 2.0, 3.0], [-1.0, -2.0, -3.0]]))
        model[0].bias.copy_(torch.tensor([0.5, -0.5]))
        model[1].weight.copy_(torch.tensor([2.0, 4.0]))
        model[1].bias.copy_(torch.tensor([0.25, -0.25]))
    return model.state_dict()


def write_torch_fixtures():
    sd = small_state_dict()
    torch.save(sd, path("state_dict.bin"))
    torch.save(sd, path("state_dict_legacy.bin"), _use_new_zipfile_serialization=False)

    # Views sharing a storage, other float dtypes, and a nested dict (flattened to "outer.inner").
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    torch.save(
        collections.OrderedDict(
            transposed=base.t(),  # non-contiguous view of base's storage
            row=base[2],  # storage offset 8
            half=torch.tensor(F16_VALUES, dtype=torch.float16),
            bf16=torch.tensor(BF16_VALUES, dtype=torch.bfloat16),
            double=torch.tensor([0.1, 1e-3], dtype=torch.float64),
            outer={"inner": torch.tensor([7.0])},
        ),
        path("views.bin"),
    )
    torch.save({"weight": torch.ones(2), "steps": torch.tensor([3], dtype=torch.int64)}, path("int_tensor.bin"))
    torch.save({"weight": torch.ones(2), "lr": 0.1}, path("non_tensor.bin"))
    torch.save(torch.ones(2), path("bare_tensor.bin"))


class FakeStorage:
    """Pickled as torch.save's persistent id ('storage', type, key, location, numel)."""

    def __init__(self, key, numel, location="cpu"):
        self.pid = ("storage", torch.FloatStorage, key, location, numel)


class FakeTensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


class Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        return obj.pid if isinstance(obj, FakeStorage) else None


def hand_made_zip(name, obj, records):
    """A torch-style zip (torch's own writer) holding a hand-made data.pkl and raw records."""
    buf = io.BytesIO()
    Pickler(buf, protocol=2).dump(obj)
    writer = torch._C.PyTorchFileWriter(path(name))
    writer.write_record("data.pkl", buf.getvalue(), len(buf.getvalue()))
    for key, raw in records.items():
        writer.write_record("data/" + key, raw, len(raw))
    writer.write_end_of_file()


def write_hostile_torch_fixtures():
    four = struct.pack("<4f", 1.0, 2.0, 3.0, 4.0)
    # Control: the hand-made route yields a loadable file.
    hand_made_zip("handmade_ok.bin", {"w": FakeTensor(FakeStorage("0", 4), 1, (3,), (1,))}, {"0": four})
    # The pickle claims a million floats; the record holds 16 bytes.
    hand_made_zip("storage_too_small.bin", {"w": FakeTensor(FakeStorage("0", 1000000), 0, (1000000,), (1,))}, {"0": four})
    # Honest storage, but a view reaching far past its end.
    hand_made_zip("view_out_of_bounds.bin", {"w": FakeTensor(FakeStorage("0", 4), 2, (1000,), (1,))}, {"0": four})
    # Saved from a GPU: location "cuda:0" must still load on a CPU-only build.
    hand_made_zip("cuda_location.bin", {"w": FakeTensor(FakeStorage("0", 4, "cuda:0"), 0, (4,), (1,))}, {"0": four})


def write_compressed_zip():
    # The same records, deflated: torch.load reads it, but a deflated record can claim any size.
    with zipfile.ZipFile(path("state_dict.bin")) as src, zipfile.ZipFile(path("compressed.bin"), "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))


def main():
    os.makedirs(OUT, exist_ok=True)
    write_safetensors_fixtures()
    write_torch_fixtures()
    write_hostile_torch_fixtures()
    write_compressed_zip()
    for name in sorted(os.listdir(OUT)):
        print(f"{name}: {os.path.getsize(path(name))} bytes")


if __name__ == "__main__":
    main()
