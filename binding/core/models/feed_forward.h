// Position-wise feed-forward block: intermediate_dense (H -> F), activation, dropout,
// output_dense (F -> H), dropout.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

#include "config/model_config.h"
#include "models/activation.h"

namespace ser::models {

class FeedForwardImpl : public torch::nn::Module {
 public:
  explicit FeedForwardImpl(const ModelConfig& config);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Linear intermediate_dense{nullptr}, output_dense{nullptr};
  Activation act_;
  double activation_dropout_, hidden_dropout_;
};
TORCH_MODULE(FeedForward);

}  // namespace ser::models
