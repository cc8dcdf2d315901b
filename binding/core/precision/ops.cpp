#include "precision/ops.h"

#include <ATen/ATen.h>
#include <torch/nn/functional/conv.h>

#include "precision/fp32_linear.h"

namespace ser::precision {
namespace {

const Plan kFloat32Plan{};
thread_local const Plan* t_plan = &kFloat32Plan;
thread_local LowPrecisionWeights* t_weights = nullptr;

bool plain() { return t_plan->matmul == at::kFloat && !t_plan->int8_linear; }

at::Tensor optional_weight(const at::Tensor& w) { return w.defined() ? weight(w) : w; }

}  // namespace

Scope::Scope(const Plan& plan, LowPrecisionWeights* weights)
    : previous_plan_(t_plan), previous_weights_(t_weights), plan_(plan) {
  t_plan = &plan_;
  t_weights = weights;
}

Scope::~Scope() {
  t_plan = previous_plan_;
  t_weights = previous_weights_;
}

const Plan& current_plan() { return *t_plan; }

at::Tensor to_compute(const at::Tensor& x) { return x.scalar_type() == t_plan->matmul ? x : x.to(t_plan->matmul); }

at::Tensor to_float(const at::Tensor& x) { return x.scalar_type() == at::kFloat ? x : x.to(at::kFloat); }

at::Tensor linear_input(const at::Tensor& x) { return t_plan->int8_linear ? to_float(x) : to_compute(x); }

at::Tensor weight(const at::Tensor& w) {
  if (w.scalar_type() == t_plan->matmul) return w;
  return t_weights ? t_weights->cast(w, t_plan->matmul) : w.to(t_plan->matmul);
}

at::Tensor linear(const torch::nn::Linear& layer, const at::Tensor& x) {
  if (plain()) {
    if (t_weights && t_weights->onednn_fp32_linear() && onednn_fp32_linear_fits(x, layer->weight))
      return onednn_fp32_linear(x, layer->weight, layer->bias);
    return layer.ptr()->forward(x);
  }
  if (t_plan->int8_linear && t_weights)
    if (const c10::IValue* packed = t_weights->int8(layer->weight)) return LowPrecisionWeights::int8_linear(x, *packed);
  // The bias is added after the product: libtorch 1.13's fused addmm first copies the broadcast
  // bias into the output, and that copy is a slow scalar loop for bf16 (2.4 ms for 398 x 768).
  auto y = at::linear(to_compute(x), weight(layer->weight));
  return layer->bias.defined() ? y.add_(weight(layer->bias)) : y;
}

at::Tensor conv1d(const torch::nn::Conv1d& conv, const at::Tensor& x) {
  if (plain()) return conv.ptr()->forward(x);
  const auto& o = conv->options;
  return torch::nn::functional::detail::conv1d(to_compute(x), weight(conv->weight), optional_weight(conv->bias),
                                               o.stride(), o.padding(), o.dilation(), o.groups());
}

at::Tensor conv2d(const torch::nn::Conv2d& conv, const at::Tensor& x) {
  if (plain()) return conv.ptr()->forward(x);
  const auto& o = conv->options;
  return torch::nn::functional::detail::conv2d(to_compute(x), weight(conv->weight), optional_weight(conv->bias),
                                               o.stride(), o.padding(), o.dilation(), o.groups());
}

at::Tensor matmul(const at::Tensor& a, const at::Tensor& b) { return at::matmul(to_compute(a), to_compute(b)); }

}  // namespace ser::precision
