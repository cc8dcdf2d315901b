// The wav2vec2 / HuBERT backbone (HF Wav2Vec2Model / HubertModel, inference graph): feature
// encoder, feature projection, transformer encoder. Takes a right-padded batch and its lengths.
#pragma once
#include <vector>

#include <torch/nn/module.h>

#include "config/model_config.h"
#include "models/conv_feature_encoder.h"
#include "models/feature_projection.h"
#include "models/transformer_encoder.h"

namespace ser::models {

struct BackboneOutput {
  torch::Tensor hidden;         // (B, T, H) last hidden state; padded frames hold garbage
  std::vector<int64_t> frames;  // valid frames per item
  torch::Tensor frame_mask;     // bool (B, T), or undefined when no item is padded
};

class Wav2Vec2BackboneImpl : public torch::nn::Module {
 public:
  explicit Wav2Vec2BackboneImpl(const ModelConfig& config);
  // waveforms (B, L) right-padded with zeros; lengths[b] valid samples of item b.
  BackboneOutput forward(const torch::Tensor& waveforms, const std::vector<int64_t>& lengths);
  const ModelConfig& config() const { return config_; }
  // HF's freeze_feature_encoder: no gradients into (or through) the conv stack.
  void freeze_feature_encoder(bool frozen);
  bool has_masked_spec_embed() const { return masked_spec_embed.defined(); }

  ConvFeatureEncoder feature_extractor{nullptr};
  FeatureProjection feature_projection{nullptr};
  TransformerEncoder encoder{nullptr};

 private:
  // Runs the conv stack so that each item's frames do not depend on the batch (see .cpp).
  torch::Tensor extract_features(const torch::Tensor& waveforms, const std::vector<int64_t>& lengths,
                                 const std::vector<int64_t>& frames);
  // SpecAugment in training mode (time spans -> masked_spec_embed, feature channels -> 0).
  torch::Tensor mask_hidden_states(torch::Tensor hidden, const std::vector<int64_t>& frames);
  ModelConfig config_;
  torch::Tensor masked_spec_embed;  // registered only when the config masks anything
  bool frozen_encoder_ = false;
};
TORCH_MODULE(Wav2Vec2Backbone);

}  // namespace ser::models
