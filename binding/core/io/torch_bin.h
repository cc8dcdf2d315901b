// Reading `pytorch_model.bin` and other torch.save files (the zip format of torch >= 1.6 and the
// legacy format before it) with our own zip reader and restricted unpickler: only containers, scalars and torch's
// tensor-rebuild functions are understood, nothing from the file is executed, and every size is
// checked against the file first (libtorch 1.13's torch::pickle_load cannot read real state dicts).
#pragma once
#include <string>

#include "io/safetensors.h"

namespace ser::io {

// Returns a flat name -> float32 CPU tensor map; non-tensor entries are an error naming the key.
// Floating-point tensors only, and BatchNorm's int64 num_batches_tracked (as float).
// `entry` non-empty and present: the file is a training checkpoint whose `entry` is the state dict;
// its other entries (step counters, sampler state) are never converted. Absent: the file itself.
NamedTensors read_torch_bin(const std::string& path, const std::string& entry = "");

}  // namespace ser::io
