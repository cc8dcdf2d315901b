// The fields of a Hugging Face `config.json` that define a wav2vec2 / HuBERT model (and its head),
// or a CNN14 (model_type "cnn14", its own fields in `cnn14`).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "config/cnn14_settings.h"

namespace ser {

struct ModelConfig {
  std::string model_type;                  // "wav2vec2" | "hubert" | "cnn14"
  std::vector<std::string> architectures;  // as written in config.json
  int64_t hidden_size = 768;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t intermediate_size = 3072;
  std::vector<int64_t> conv_dim{512, 512, 512, 512, 512, 512, 512};
  std::vector<int64_t> conv_kernel{10, 3, 3, 3, 3, 2, 2};
  std::vector<int64_t> conv_stride{5, 2, 2, 2, 2, 2, 2};
  bool conv_bias = false;
  std::string feat_extract_norm = "group";  // "group" | "layer"
  std::string feat_extract_activation = "gelu";
  std::string hidden_act = "gelu";
  bool do_stable_layer_norm = false;  // true: pre-LN encoder layers
  int64_t num_conv_pos_embeddings = 128;
  int64_t num_conv_pos_embedding_groups = 16;
  double layer_norm_eps = 1e-5;
  bool feat_proj_layer_norm = true;  // HuBERT only; wav2vec2 always has it
  // Training-time regularisation, kept so that a saved model round-trips.
  double hidden_dropout = 0.1, attention_dropout = 0.1, activation_dropout = 0.1;
  double feat_proj_dropout = 0.0, final_dropout = 0.1, layerdrop = 0.1;
  bool apply_spec_augment = true;
  double mask_time_prob = 0.05;
  int64_t mask_time_length = 10, mask_time_min_masks = 2;
  double mask_feature_prob = 0.0;
  int64_t mask_feature_length = 10, mask_feature_min_masks = 0;
  std::vector<std::string> labels;  // id2label in index order; empty without a head
  Cnn14Settings cnn14;              // model_type "cnn14" only

  bool is_cnn14() const { return model_type == "cnn14"; }

  // "wav2vec2." or "hubert.": where task checkpoints keep the backbone.
  std::string base_prefix() const { return model_type + "."; }
  // Number of samples the model needs for one frame (400 for the standard conv stack, 4960 for CNN14).
  int64_t min_samples() const;
  // Frames produced for `samples` input samples (0 when too short).
  int64_t frames_for(int64_t samples) const;
};

// Parses and validates config.json text; `source` names the file in errors (ser::Error ERR_CONFIG).
ModelConfig parse_model_config(const std::string& json_text, const std::string& source);
ModelConfig read_model_config(const std::string& path);
// A CNN14 with `settings` (its fields derived from them: hidden_size = last block width); labels
// default to arousal, dominance, valence.
ModelConfig cnn14_config(const Cnn14Settings& settings, std::vector<std::string> labels = {});

// CNN14's log-Mel fields alone (as in its config.json), within their own bounds: rate 1000..384000,
// even n_fft <= 65536, hop <= n_fft, n_mels <= n_fft/2+1, 0 <= f_min < f_max <= rate/2.
LogMelSettings parse_log_mel_settings(const std::string& json_text, const std::string& source);
// The JSON text that Hugging Face's from_pretrained reads back (plus our own fields).
std::string model_config_to_json(const ModelConfig& config);

}  // namespace ser
