// One transformer layer, in either of Hugging Face's orders:
//   post-LN (Wav2Vec2EncoderLayer):  h = LN(h + attn(h)); h = final_LN(h + ff(h))
//   pre-LN  (...StableLayerNorm):     h = h + attn(LN(h)); h = h + ff(final_LN(h))
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/normalization.h>

#include "config/model_config.h"
#include "models/feed_forward.h"
#include "models/self_attention.h"

namespace ser::models {

class EncoderLayerImpl : public torch::nn::Module {
 public:
  explicit EncoderLayerImpl(const ModelConfig& config);
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& key_mask);

 private:
  SelfAttention attention{nullptr};
  torch::nn::LayerNorm layer_norm{nullptr};
  FeedForward feed_forward{nullptr};
  torch::nn::LayerNorm final_layer_norm{nullptr};
  bool pre_ln_;
  double hidden_dropout_;
};
TORCH_MODULE(EncoderLayer);

}  // namespace ser::models
