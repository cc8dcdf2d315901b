// Loading Hugging Face checkpoints into a module whose named_parameters() are HF keys: a strict,
// almost identity mapping. Missing or unexpected keys are errors listing them by name; keys that
// checkpoints carry for training only are skipped on purpose, by an explicit list.
#pragma once
#include <string>
#include <vector>

#include <torch/nn/module.h>

#include "io/safetensors.h"

namespace ser::io {

// model.safetensors if present, else pytorch_model.bin; neither is ser::Error(ERR_CHECKPOINT).
NamedTensors read_checkpoint_dir(const std::string& dir);

struct KeyMapping {
  std::string base_prefix;   // "wav2vec2." or "hubert."
  int64_t kept_layers = -1;  // layers >= this index in the checkpoint are dropped (first-N option)
};

// Renames old spellings (weight_g/weight_v and parametrizations.*, gamma/beta) and adds the base
// prefix to bare backbone keys. Returns the keys that were skipped on purpose.
std::vector<std::string> normalise_keys(NamedTensors& tensors, const KeyMapping& mapping);

// Keys that may be absent from a checkpoint (kept as initialised: masked_spec_embed, a new
// head) and keys that may be present without a place in the model (skipped).
struct LoadPolicy {
  std::vector<std::string> optional;
  std::vector<std::string> ignorable;
};

// Copies `tensors` into the module's parameters and buffers; strict about names and shapes
// apart from the policy's lists. Returns the names of optional parameters that were absent.
std::vector<std::string> load_state(torch::nn::Module& module, const NamedTensors& tensors, const std::string& source,
                                    const LoadPolicy& policy = {});

}  // namespace ser::io
