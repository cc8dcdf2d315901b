// Multi-head self-attention as Hugging Face's eager Wav2Vec2Attention: q scaled by head_dim^-0.5,
// additive key mask, softmax, dropout, out_proj. Written out (libtorch 1.13 has no SDPA).
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

namespace ser::models {

class SelfAttentionImpl : public torch::nn::Module {
 public:
  SelfAttentionImpl(int64_t hidden, int64_t heads, double dropout);
  // x (B, T, H); key_mask: undefined, or additive (B, 1, 1, T) with 0 for valid and -inf-like for padding.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_mask);

 private:
  torch::nn::Linear k_proj{nullptr}, v_proj{nullptr}, q_proj{nullptr}, out_proj{nullptr};
  int64_t heads_, head_dim_;
  double dropout_;
};
TORCH_MODULE(SelfAttention);

}  // namespace ser::models
