// Convolutional positional embedding: grouped Conv1d(H, H, K) with weight norm over dim 2,
// "same" padding with the last frame dropped for even K, then the activation (GELU).
#pragma once
#include <torch/nn/module.h>

#include "config/model_config.h"

namespace ser::models {

// Conv1d whose weight is g * v / ||v|| (norm over output and input channels, per tap). The
// parameters are called weight_g / weight_v (torch.nn.utils.weight_norm); the loader also
// accepts parametrizations.weight.original0 / original1.
class WeightNormConv1dImpl : public torch::nn::Module {
 public:
  WeightNormConv1dImpl(int64_t channels, int64_t kernel, int64_t groups);
  torch::Tensor forward(const torch::Tensor& x);  // (B, H, T) -> (B, H, T + 1 - K % 2)
  torch::Tensor weight() const;

 private:
  torch::Tensor weight_g, weight_v, bias;
  int64_t kernel_, groups_;
  // Inference reuses the normalised weight until g or v change (their version counters move).
  torch::Tensor cached_weight_;
  int64_t cached_g_version_ = -1, cached_v_version_ = -1;
};
TORCH_MODULE(WeightNormConv1d);

class PositionalConvEmbeddingImpl : public torch::nn::Module {
 public:
  explicit PositionalConvEmbeddingImpl(const ModelConfig& config);
  torch::Tensor forward(const torch::Tensor& hidden);  // (B, T, H) -> (B, T, H)

 private:
  WeightNormConv1d conv{nullptr};
  bool trim_last_;
};
TORCH_MODULE(PositionalConvEmbedding);

}  // namespace ser::models
