// Feature projection: [LayerNorm(C)] -> Linear(C -> H) -> dropout. HuBERT may omit the LayerNorm.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include "config/model_config.h"

namespace ser::models {

class FeatureProjectionImpl : public torch::nn::Module {
 public:
  explicit FeatureProjectionImpl(const ModelConfig& config);
  torch::Tensor forward(const torch::Tensor& features);  // (B, T, C) -> (B, T, H)

 private:
  torch::nn::LayerNorm layer_norm{nullptr};
  torch::nn::Linear projection{nullptr};
  double dropout_;  // feat_proj_dropout
};
TORCH_MODULE(FeatureProjection);

}  // namespace ser::models
