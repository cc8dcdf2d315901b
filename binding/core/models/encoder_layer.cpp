#include "models/encoder_layer.h"

#include <ATen/ATen.h>

#include "models/global_batch.h"
#include "precision/ops.h"

namespace ser::models {

EncoderLayerImpl::EncoderLayerImpl(const ModelConfig& c)
    : pre_ln_(c.do_stable_layer_norm), hidden_dropout_(c.hidden_dropout) {
  const auto ln = torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps);
  attention = register_module("attention", SelfAttention(c.hidden_size, c.num_attention_heads, c.attention_dropout));
  layer_norm = register_module("layer_norm", torch::nn::LayerNorm(ln));
  feed_forward = register_module("feed_forward", FeedForward(c));
  final_layer_norm = register_module("final_layer_norm", torch::nn::LayerNorm(ln));
}

torch::Tensor EncoderLayerImpl::forward(const torch::Tensor& hidden, const torch::Tensor& key_mask) {
  auto drop = [&](const torch::Tensor& t) {
    return is_training() && hidden_dropout_ > 0 ? global_dropout(t, hidden_dropout_, true) : t;
  };
  // The residual stream stays float32 (`hidden` is). Sublayer outputs are cast before the sum:
  // a float32 + bf16 add runs ~200x slower than either alone in libtorch 1.13 (no vectorised
  // mixed-dtype path).
  using precision::to_float;
  if (pre_ln_) {
    auto h = hidden + to_float(drop(attention(layer_norm(hidden), key_mask)));
    return h + to_float(feed_forward(final_layer_norm(h)));
  }
  auto h = layer_norm(hidden + to_float(drop(attention(hidden, key_mask))));
  return final_layer_norm(h + to_float(feed_forward(h)));
}

}  // namespace ser::models
