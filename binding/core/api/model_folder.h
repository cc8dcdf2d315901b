// A model folder in Hugging Face layout <-> a network (wav2vec2 / HuBERT / CNN14) with its
// configs. Shared by inference (SerModel) and training (which may add a fresh head to a backbone).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "config/model_config.h"
#include "config/preprocessor_config.h"
#include "models/ser_network.h"

namespace ser {

struct ModelFolder {
  ModelConfig config;
  PreprocessorConfig pre;
  models::SerNetwork model;
  std::vector<std::string> skipped_keys;  // in the checkpoint, left out on purpose
  bool new_head = false;                  // the head was created, not loaded
};

// What a folder without preprocessor_config.json means: Hugging Face's feature extractor for
// wav2vec2 / HuBERT; for CNN14 the raw waveform at its log-Mel rate (PANNs does not normalise).
PreprocessorConfig default_preprocessor(const ModelConfig& config);

// num_layers > 0 keeps the first N transformer layers. ensure_head adds a freshly initialised
// head (labels arousal, dominance, valence) when the checkpoint has none.
// `adjust` may change training-time fields of the config (dropouts, masking) before the model is built.
ModelFolder load_model_folder(const std::string& dir, int num_layers, bool ensure_head,
                              const std::function<void(ModelConfig&)>& adjust = {});

// A freshly initialised model (libtorch's default init; PANNs' for CNN14), e.g. the demo's small
// wav2vec2 or a CNN14 to train from scratch; `seed` makes it reproducible.
ModelFolder new_model(const ModelConfig& config, const PreprocessorConfig& pre, bool with_head, uint64_t seed);

// new_model written to `dir` with save_model_folder.
void create_model_folder(const std::string& dir, const ModelConfig& config, const PreprocessorConfig& pre,
                         bool with_head, uint64_t seed);

// Writes config.json, preprocessor_config.json and model.safetensors into `dir` (each atomically).
void save_model_folder(const models::SerNetworkImpl& model, const ModelConfig& config, const PreprocessorConfig& pre,
                       const std::string& dir);

}  // namespace ser
