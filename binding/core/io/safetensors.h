// Reading and writing the safetensors format (https://huggingface.co/docs/safetensors).
// The header is validated before any tensor is touched: a hostile or truncated file is a
// ser::Error(ErrorCode::Checkpoint) naming the problem, never a crash or a huge allocation.
#pragma once
#include <map>
#include <string>
#include <vector>

#include <torch/types.h>

namespace ser::io {

using NamedTensors = std::map<std::string, torch::Tensor>;

// Returns contiguous float32 CPU tensors (F16 and BF16 are widened; F32/F16/BF16 only are accepted).
NamedTensors read_safetensors(const std::string& path);

// The tensor names of a file, from its validated header alone (no tensor data is read).
std::vector<std::string> read_safetensors_names(const std::string& path);

// Writes F32 tensors (others are converted to float32) with optional string metadata.
// Atomic: writes `path.tmp-<pid>` then renames over `path`.
void write_safetensors(const std::string& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace ser::io
