#include "models/self_attention.h"

#include <cmath>

#include <ATen/ATen.h>

#include "models/global_batch.h"
#include "precision/ops.h"

namespace ser::models {

SelfAttentionImpl::SelfAttentionImpl(int64_t hidden, int64_t heads, double dropout)
    : heads_(heads), head_dim_(hidden / heads), dropout_(dropout) {
  k_proj = register_module("k_proj", torch::nn::Linear(hidden, hidden));
  v_proj = register_module("v_proj", torch::nn::Linear(hidden, hidden));
  q_proj = register_module("q_proj", torch::nn::Linear(hidden, hidden));
  out_proj = register_module("out_proj", torch::nn::Linear(hidden, hidden));
}

torch::Tensor SelfAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& key_mask) {
  const int64_t B = x.size(0), T = x.size(1);
  auto split = [&](const torch::Tensor& t) { return t.view({B, T, heads_, head_dim_}).transpose(1, 2); };
  const auto input = precision::linear_input(x);  // cast once for the three projections
  auto q = split(precision::linear(q_proj, input) * (1.0 / std::sqrt(static_cast<double>(head_dim_))));
  auto k = split(precision::linear(k_proj, input));
  auto v = split(precision::linear(v_proj, input));
  // Scores and softmax in float32 (the mask is float32); the products in the compute dtype.
  auto scores = precision::to_float(precision::matmul(q, k.transpose(-1, -2)));  // (B, heads, T, T)
  if (key_mask.defined()) scores = scores + key_mask;
  auto weights = at::softmax(scores, -1);
  if (is_training() && dropout_ > 0) weights = global_dropout(weights, dropout_, true);
  auto context = precision::matmul(weights, v).transpose(1, 2).reshape({B, T, heads_ * head_dim_});
  return precision::linear(out_proj, context);
}

}  // namespace ser::models
