// audEERING's regression head: dropout -> dense (H -> H) -> tanh -> dropout -> out_proj (H -> n).
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

namespace ser::models {

class RegressionHeadImpl : public torch::nn::Module {
 public:
  RegressionHeadImpl(int64_t hidden, int64_t outputs, double dropout);
  torch::Tensor forward(const torch::Tensor& pooled);  // (B, H) -> (B, n)

 private:
  torch::nn::Linear dense{nullptr}, out_proj{nullptr};
  double dropout_;
};
TORCH_MODULE(RegressionHead);

}  // namespace ser::models
