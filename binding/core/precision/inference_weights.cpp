#include "precision/inference_weights.h"

#include <ATen/ATen.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include "message_text.h"
#include "precision/fp32_linear.h"

namespace ser::precision {
namespace {

void hold_as(at::Tensor& t, c10::ScalarType dtype) {
  if (t.defined() && t.scalar_type() != dtype) t.set_data(t.detach().to(dtype));
}

}  // namespace

void prepare_for_inference(torch::nn::Module& model, const Plan& plan, const std::vector<std::string>& keep_float,
                           LowPrecisionWeights& weights) {
  if (plan.precision == Precision::Float32) {
    // Float32 keeps its weights as they are; only the route of its Linear products may change.
    const auto params = model.parameters();
    const bool cpu = params.empty() || params.front().device().is_cpu();
    weights.set_onednn_fp32_linear(cpu && onednn_fp32_linear_wanted());
    return;
  }
  at::NoGradGuard no_grad;
  for (const auto& item : model.named_modules()) {
    const std::string& name = item.key();
    bool kept = false;
    for (const auto& prefix : keep_float) kept = kept || name == prefix || starts_with(name, prefix + ".");
    if (kept) continue;
    torch::nn::Module& m = *item.value();
    if (auto* linear = m.as<torch::nn::Linear>()) {
      if (plan.int8_linear) {
        weights.pack_int8(linear->weight, linear->bias);
        // The packed copy is all that runs; keep the parameters' shapes out of memory.
        linear->weight.set_data(at::empty({0}, linear->weight.options()));
        if (linear->bias.defined()) linear->bias.set_data(at::empty({0}, linear->bias.options()));
      } else {
        hold_as(linear->weight, plan.matmul);
        hold_as(linear->bias, plan.matmul);
      }
    } else if (auto* conv = m.as<torch::nn::Conv1d>()) {
      hold_as(conv->weight, plan.matmul);
      hold_as(conv->bias, plan.matmul);
    } else if (auto* conv2 = m.as<torch::nn::Conv2d>()) {
      hold_as(conv2->weight, plan.matmul);
      hold_as(conv2->bias, plan.matmul);
    }
  }
}

}  // namespace ser::precision
