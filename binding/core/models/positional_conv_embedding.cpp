#include "models/positional_conv_embedding.h"

#include <ATen/ATen.h>

#include "precision/ops.h"

namespace ser::models {

WeightNormConv1dImpl::WeightNormConv1dImpl(int64_t channels, int64_t kernel, int64_t groups)
    : kernel_(kernel), groups_(groups) {
  // Initialised as torch's Conv1d + weight_norm would be; loaded checkpoints overwrite it.
  auto v = torch::empty({channels, channels / groups, kernel});
  const double bound = 1.0 / std::sqrt(static_cast<double>(channels / groups * kernel));
  v.uniform_(-bound, bound);
  weight_g = register_parameter("weight_g", at::norm_except_dim(v, 2, 2).detach());
  weight_v = register_parameter("weight_v", v);
  bias = register_parameter("bias", torch::empty({channels}).uniform_(-bound, bound));
}

torch::Tensor WeightNormConv1dImpl::weight() const { return at::_weight_norm(weight_v, weight_g, 2); }

torch::Tensor WeightNormConv1dImpl::forward(const torch::Tensor& x) {
  torch::Tensor w;
  if (is_training() || at::GradMode::is_enabled()) {
    w = precision::to_compute(weight());  // recomputed every pass: nothing to cache
  } else {
    const int64_t gv = weight_g._version(), vv = weight_v._version();
    if (!cached_weight_.defined() || gv != cached_g_version_ || vv != cached_v_version_ ||
        cached_weight_.device() != weight_v.device()) {
      cached_weight_ = weight();
      cached_g_version_ = gv;
      cached_v_version_ = vv;
    }
    w = precision::weight(cached_weight_);
  }
  return at::conv1d(precision::to_compute(x), w, precision::weight(bias), /*stride=*/1, /*padding=*/kernel_ / 2,
                    /*dilation=*/1, groups_);
}

PositionalConvEmbeddingImpl::PositionalConvEmbeddingImpl(const ModelConfig& c)
    : trim_last_(c.num_conv_pos_embeddings % 2 == 0) {
  conv = register_module("conv",
                         WeightNormConv1d(c.hidden_size, c.num_conv_pos_embeddings, c.num_conv_pos_embedding_groups));
}

torch::Tensor PositionalConvEmbeddingImpl::forward(const torch::Tensor& hidden) {
  auto x = conv(hidden.transpose(1, 2));
  if (trim_last_) x = x.narrow(2, 0, x.size(2) - 1);
  return at::gelu(x).transpose(1, 2);
}

}  // namespace ser::models
