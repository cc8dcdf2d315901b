// CNN14 weights: which checkpoint keys load where (PANNs' names are ours), and starting from a
// PANNs training checkpoint (Cnn14_16k .pth: {"iteration", "model": state dict, "sampler"}),
// whose frozen front end and AudioSet layer are skipped and whose fc_out is created fresh.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "api/model_folder.h"
#include "io/checkpoint_loader.h"

namespace ser {

// Moves PANNs-only keys (spectrogram_extractor.*, logmel_extractor.*, fc_audioset.*) from `tensors`
// to f.skipped_keys; BatchNorm step counters and (for a new head) fc_out may be absent.
io::LoadPolicy cnn14_load_policy(ModelFolder& f, io::NamedTensors& tensors);

// True for a file (not a folder) that should be read as a PANNs checkpoint.
bool is_panns_checkpoint_file(const std::string& path);

// A CNN14 from a PANNs 16 kHz checkpoint: block widths and Mel bins from its shapes, front end
// Cnn14_16k's, a fresh fc_out (seeded) for the config's labels. ERR_CHECKPOINT when it is not one.
ModelFolder import_panns_checkpoint(const std::string& path, uint64_t seed,
                                    const std::function<void(ModelConfig&)>& adjust = {});

}  // namespace ser
