#include "models/regression_head.h"

#include <ATen/ATen.h>

#include "models/global_batch.h"

namespace ser::models {

RegressionHeadImpl::RegressionHeadImpl(int64_t hidden, int64_t outputs, double dropout) : dropout_(dropout) {
  dense = register_module("dense", torch::nn::Linear(hidden, hidden));
  out_proj = register_module("out_proj", torch::nn::Linear(hidden, outputs));
}

torch::Tensor RegressionHeadImpl::forward(const torch::Tensor& pooled) {
  auto drop = [&](const torch::Tensor& t) {
    return is_training() && dropout_ > 0 ? global_dropout(t, dropout_, true) : t;
  };
  return out_proj(drop(at::tanh(dense(drop(pooled)))));
}

}  // namespace ser::models
