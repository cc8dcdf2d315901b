#include "models/feed_forward.h"

#include <ATen/ATen.h>

#include "models/global_batch.h"
#include "precision/ops.h"

namespace ser::models {

FeedForwardImpl::FeedForwardImpl(const ModelConfig& c)
    : act_(parse_activation(c.hidden_act)),
      activation_dropout_(c.activation_dropout),
      hidden_dropout_(c.hidden_dropout) {
  intermediate_dense = register_module("intermediate_dense", torch::nn::Linear(c.hidden_size, c.intermediate_size));
  output_dense = register_module("output_dense", torch::nn::Linear(c.intermediate_size, c.hidden_size));
}

torch::Tensor FeedForwardImpl::forward(const torch::Tensor& input) {
  auto x = activate(act_, precision::linear(intermediate_dense, input));
  if (is_training() && activation_dropout_ > 0) x = global_dropout(x, activation_dropout_, true);
  x = precision::linear(output_dense, x);
  if (is_training() && hidden_dropout_ > 0) x = global_dropout(x, hidden_dropout_, true);
  return x;
}

}  // namespace ser::models
