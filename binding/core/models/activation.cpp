#include "models/activation.h"

#include <ATen/ATen.h>

#include "error.h"

namespace ser::models {

Activation parse_activation(const std::string& name) {
  if (name == "gelu") return Activation::Gelu;
  if (name == "gelu_new") return Activation::GeluTanh;
  if (name == "relu") return Activation::Relu;
  if (name == "swish" || name == "silu") return Activation::Silu;
  if (name == "tanh") return Activation::Tanh;
  throw Error(ErrorCode::Config, "unsupported activation \"" + name + "\"");
}

torch::Tensor activate(Activation act, const torch::Tensor& x) {
  switch (act) {
    case Activation::Gelu: return at::gelu(x);
    case Activation::GeluTanh: return at::gelu(x, "tanh");
    case Activation::Relu: return at::relu(x);
    case Activation::Silu: return at::silu(x);
    case Activation::Tanh: return at::tanh(x);
  }
  return x;
}

}  // namespace ser::models
