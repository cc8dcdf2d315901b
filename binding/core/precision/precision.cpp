#include "precision/precision.h"

#include <ATen/Context.h>
#include <ATen/detail/CUDAHooksInterface.h>

#include "error.h"
#include "runtime/cpu_features.h"

namespace ser::precision {

const char* name(Precision p) {
  switch (p) {
    case Precision::BFloat16: return "bf16";
    case Precision::Int8: return "int8";
    default: return "fp32";
  }
}

bool native_bf16(c10::Device device) {
  // cuDNN 8 with bf16 convolutions is what libtorch checks for compute capability >= 8.0.
  if (device.is_cuda()) return at::detail::getCUDAHooks().supportsBFloat16ConvolutionWithCuDNNv8();
  return runtime::cpu_features().bf16;
}

Choice choose(const std::string& requested, c10::Device device, bool allow_int8, const std::string& option) {
  const bool native = native_bf16(device);
  const std::string hw = device.is_cuda() ? "this GPU" : "this CPU";
  Choice c;
  auto bf16 = [&] {
    c.plan.precision = Precision::BFloat16;
    c.plan.matmul = c10::kBFloat16;
  };
  if (requested == "fp32") {
    c.reason = "requested";
  } else if (requested == "auto") {
    if (native) bf16();
    c.reason = native ? hw + " has native bf16 matrix instructions" : hw + " has no native bf16 matrix instructions";
  } else if (requested == "bf16") {
    bf16();
    c.reason = "requested";
    if (!native)
      c.warning =
          "precision bf16: " + hw + " has no native bf16 matrix instructions (" +
          (device.is_cuda() ? std::string("compute capability 8.0 or later") : std::string("AVX512-BF16 or AMX")) +
          "); bf16 runs emulated and slower than fp32 here";
  } else if (requested == "int8") {
    if (!allow_int8)
      throw Error(ErrorCode::Input,
                  option + " \"int8\" is for inference (loadModel); training takes \"fp32\", \"bf16\" or \"auto\"");
    if (device.is_cuda())
      throw Error(ErrorCode::Device,
                  option + " \"int8\" runs on the CPU (libtorch's dynamic quantisation); use \"bf16\" on CUDA");
    c.plan.precision = Precision::Int8;
    c.plan.int8_linear = true;
    // Convolutions and attention products: bf16 where it is native (measured: faster, and within
    // the int8 tolerance), float32 elsewhere.
    c.plan.matmul = native ? c10::kBFloat16 : c10::kFloat;
    c.reason = "requested";
    if (runtime::cpu_features().int8 == "avx2" || runtime::cpu_features().int8 == "none")
      c.warning =
          "precision int8: this CPU has no int8 dot-product instructions (VNNI / AMX); int8 may not be faster than fp32 here";
  } else {
    throw Error(ErrorCode::Input, option + " must be \"fp32\", \"bf16\"" +
                                      (allow_int8 ? std::string(", \"int8\"") : std::string()) +
                                      " or \"auto\", got \"" + requested + "\"");
  }
  return c;
}

}  // namespace ser::precision
