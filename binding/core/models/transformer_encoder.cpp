#include "models/transformer_encoder.h"

#include <limits>

#include <ATen/ATen.h>

#include "models/encoder_layer.h"
#include "models/global_batch.h"
#include "precision/ops.h"

namespace ser::models {

TransformerEncoderImpl::TransformerEncoderImpl(const ModelConfig& c)
    : pre_ln_(c.do_stable_layer_norm), hidden_dropout_(c.hidden_dropout), layerdrop_(c.layerdrop) {
  pos_conv_embed = register_module("pos_conv_embed", PositionalConvEmbedding(c));
  layer_norm = register_module(
      "layer_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps)));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) layers->push_back(EncoderLayer(c));
}

torch::Tensor TransformerEncoderImpl::forward(torch::Tensor hidden, const torch::Tensor& frame_mask) {
  hidden = precision::to_float(hidden);  // the residual stream is float32 in every precision
  torch::Tensor key_mask;
  if (frame_mask.defined()) {
    // Padded frames are zeroed before the positional conv (so they equal its own zero padding)
    // and hidden from attention as keys.
    hidden = hidden * frame_mask.unsqueeze(-1).to(hidden.dtype());
    key_mask = at::zeros(frame_mask.sizes(), hidden.options())
                   .masked_fill(frame_mask.logical_not(), std::numeric_limits<float>::lowest())
                   .view({frame_mask.size(0), 1, 1, frame_mask.size(1)});
  }
  hidden = hidden + precision::to_float(pos_conv_embed(hidden));  // same dtypes: see encoder_layer.cpp
  if (!pre_ln_) hidden = layer_norm(hidden);
  if (is_training() && hidden_dropout_ > 0) hidden = global_dropout(hidden, hidden_dropout_, true);
  for (auto& layer : *layers) {
    // LayerDrop: in training, each layer is skipped with probability `layerdrop`.
    if (is_training() && layerdrop_ > 0 && at::rand({1}).item<double>() < layerdrop_) continue;
    hidden = layer->as<EncoderLayer>()->forward(hidden, key_mask);
  }
  if (pre_ln_) hidden = layer_norm(hidden);
  return hidden;
}

}  // namespace ser::models
