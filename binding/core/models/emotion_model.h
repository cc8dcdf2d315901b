// The whole model under Hugging Face's key layout: the backbone under its base prefix
// ("wav2vec2." / "hubert.") and, when present, the regression head under "classifier.".
#pragma once
#include <torch/nn/module.h>

#include "config/model_config.h"
#include "models/regression_head.h"
#include "models/ser_network.h"
#include "models/wav2vec2_backbone.h"

namespace ser::models {

struct ModelOutput {
  BackboneOutput backbone;
  torch::Tensor pooled;  // (B, H): mean of the last hidden state over each item's valid frames
  torch::Tensor logits;  // (B, n) or undefined without a head
};

// Mean over valid frames only, so a padded batch gives each item's own result.
torch::Tensor masked_mean(const torch::Tensor& hidden, const BackboneOutput& out);

class EmotionModelImpl : public SerNetworkImpl {
 public:
  EmotionModelImpl(const ModelConfig& config, bool with_head);
  ModelOutput forward(const torch::Tensor& waveforms, const std::vector<int64_t>& lengths);
  NetworkOutput run(const torch::Tensor& waveforms, const std::vector<int64_t>& lengths) override;
  bool has_head() const override { return !classifier.is_empty(); }
  void freeze_feature_encoder(bool frozen) override { backbone->freeze_feature_encoder(frozen); }
  std::vector<std::string> float32_modules() const override { return {"classifier"}; }
  const ModelConfig& config() const { return backbone->config(); }

  Wav2Vec2Backbone backbone{nullptr};
  RegressionHead classifier{nullptr};
};
TORCH_MODULE(EmotionModel);

}  // namespace ser::models
