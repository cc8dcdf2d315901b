// The transformer encoder: positional conv embedding added to the input, then the layers, with
// `layer_norm` before them (post-LN models) or after them (pre-LN, do_stable_layer_norm).
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/normalization.h>

#include "config/model_config.h"
#include "models/positional_conv_embedding.h"

namespace ser::models {

class TransformerEncoderImpl : public torch::nn::Module {
 public:
  explicit TransformerEncoderImpl(const ModelConfig& config);
  // hidden (B, T, H); frame_mask: undefined (no padding) or bool (B, T), true on valid frames.
  torch::Tensor forward(torch::Tensor hidden, const torch::Tensor& frame_mask);

 private:
  PositionalConvEmbedding pos_conv_embed{nullptr};
  torch::nn::LayerNorm layer_norm{nullptr};
  torch::nn::ModuleList layers;
  bool pre_ln_;
  double hidden_dropout_, layerdrop_;
};
TORCH_MODULE(TransformerEncoder);

}  // namespace ser::models
