// How a forward pass computes. Float32 everywhere; bf16 mixed precision (GEMMs, convolutions and
// attention products in bf16, float32 for norms, softmax, the residual stream, pooling and the
// head); or int8 (the transformer's Linear layers through libtorch's dynamic quantisation, the
// rest as `Plan::matmul` says). Chosen per model or training run and resolved once ('auto').
#pragma once
#include <string>

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

namespace ser::precision {

enum class Precision { Float32, BFloat16, Int8 };

const char* name(Precision p);  // "fp32" | "bf16" | "int8"

// What a pass does: the dtype of its matrix products and convolutions, and whether Linear layers
// run through int8 packed weights.
struct Plan {
  Precision precision = Precision::Float32;
  c10::ScalarType matmul = c10::kFloat;
  bool int8_linear = false;
};

struct Choice {
  Plan plan;
  std::string reason;   // why this precision ('auto', or what the hardware offers)
  std::string warning;  // non-empty when the choice will be slow on this machine
};

// `requested`: "fp32" | "bf16" | "int8" | "auto" (anything else is an InputError naming `option`).
// bf16 where the hardware has no native bf16 runs, with a warning; 'auto' picks float32 there.
// int8 needs a CPU and `allow_int8` (inference only).
Choice choose(const std::string& requested, c10::Device device, bool allow_int8, const std::string& option);

// Whether `device` has native bf16 matrix instructions (AVX512-BF16 / AMX; CUDA compute >= 8.0).
bool native_bf16(c10::Device device);

}  // namespace ser::precision
