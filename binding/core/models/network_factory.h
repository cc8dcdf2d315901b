// The network a config.json describes: wav2vec2 / HuBERT (with or without the regression head) or CNN14.
#pragma once
#include "config/model_config.h"
#include "models/ser_network.h"

namespace ser::models {

// Freshly initialised; CNN14 always has its head (one output per label).
SerNetwork build_network(const ModelConfig& config, bool with_head);

}  // namespace ser::models
