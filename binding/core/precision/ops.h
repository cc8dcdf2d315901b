// What the model blocks call for their matrix work, so that each runs in the precision of the
// pass in progress. A pass (inference call, training run) sets a Scope on its thread; without
// one, everything is float32 and each call is exactly the plain libtorch op.
#pragma once
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include "precision/low_precision_weights.h"
#include "precision/precision.h"

namespace ser::precision {

class Scope {
 public:
  Scope(const Plan& plan, LowPrecisionWeights* weights);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  const Plan* previous_plan_;
  LowPrecisionWeights* previous_weights_;
  Plan plan_;
};

const Plan& current_plan();

// Activations into the dtype of matrix work (bf16 under a bf16 plan), or back to float32 for
// norms, softmax, residual sums and pooling. Both return `x` itself when it already is.
at::Tensor to_compute(const at::Tensor& x);
at::Tensor to_float(const at::Tensor& x);
// The activation as Linear layers take it: the compute dtype, or float32 when they run in int8
// (dynamic quantisation reads float32; a bf16 detour would only add rounding).
at::Tensor linear_input(const at::Tensor& x);
// A parameter (or a tensor kept alive and unchanged between calls) in the compute dtype, cached.
at::Tensor weight(const at::Tensor& w);

// The blocks' GEMMs and convolutions: output in the compute dtype (int8 Linear: float32).
at::Tensor linear(const torch::nn::Linear& layer, const at::Tensor& x);
at::Tensor conv1d(const torch::nn::Conv1d& conv, const at::Tensor& x);
at::Tensor conv2d(const torch::nn::Conv2d& conv, const at::Tensor& x);
at::Tensor matmul(const at::Tensor& a, const at::Tensor& b);

}  // namespace ser::precision
