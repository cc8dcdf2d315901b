// Reading `pytorch_model.bin` (torch.save's zip format, or the legacy format when libtorch can)
// through libtorch's restricted unpickler: only tensors and containers, no code is executed.
#pragma once
#include <string>

#include "io/safetensors.h"

namespace ser::io {

// Returns a flat name -> float32 CPU tensor map; non-tensor entries are an error naming the key.
NamedTensors read_torch_bin(const std::string& path);

}  // namespace ser::io
