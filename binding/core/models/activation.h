// Hugging Face's ACT2FN names -> libtorch functions ("gelu" is the exact erf GELU).
#pragma once
#include <string>

#include <torch/types.h>

namespace ser::models {

enum class Activation { Gelu, GeluTanh, Relu, Silu, Tanh };
Activation parse_activation(const std::string& name);
torch::Tensor activate(Activation act, const torch::Tensor& x);

}  // namespace ser::models
