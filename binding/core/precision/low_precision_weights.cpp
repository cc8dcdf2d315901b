#include "precision/low_precision_weights.h"

#include <algorithm>

#include <ATen/ATen.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/grad_mode.h>
#include <ATen/core/stack.h>
#include <c10/core/InferenceMode.h>

#include "error.h"
#include "runtime/cpu_features.h"

namespace ser::precision {
namespace {

// The quantised engine packs and runs the weights. oneDNN where libtorch has it (int8 at ~5x
// float32 here with VNNI), then x86 / FBGEMM, then QNNPACK.
at::QEngine select_engine() {
  static const at::QEngine engine = [] {
    const auto& supported = at::globalContext().supportedQEngines();
    for (auto e : {at::QEngine::ONEDNN, at::QEngine::X86, at::QEngine::FBGEMM, at::QEngine::QNNPACK})
      for (auto s : supported)
        if (s == e) return e;
    throw Error(ErrorCode::Libtorch, "precision int8: this libtorch has no quantised engine");
  }();
  if (at::globalContext().qEngine() != engine) at::globalContext().setQEngine(engine);
  return engine;
}

// FBGEMM's AVX2 kernels can saturate 16-bit sums with full-range activations: it wants 7-bit
// activations there (PyTorch's reduce_range). VNNI / AMX / oneDNN accumulate in 32 bits.
bool reduce_range(at::QEngine engine) {
  const auto& cpu = runtime::cpu_features();
  return (engine == at::QEngine::FBGEMM || engine == at::QEngine::X86) && cpu.int8 != "vnni" && cpu.int8 != "amx";
}

c10::OperatorHandle op(const char* name) { return c10::Dispatcher::singleton().findSchemaOrThrow(name, ""); }

}  // namespace

at::Tensor LowPrecisionWeights::cast(const at::Tensor& weight, c10::ScalarType dtype) {
  if (weight.scalar_type() == dtype) return weight;
  const bool graph = at::GradMode::is_enabled() && weight.requires_grad();
  const Key key{weight.unsafeGetTensorImpl(), dtype, graph};
  std::lock_guard<std::mutex> lock(mutex_);
  // Inference tensors (a weight derived in inference mode) keep no version counter: they cannot
  // change outside inference mode, and their owners replace rather than modify them.
  const int64_t version = weight.is_inference() ? 0 : weight._version();
  auto it = casts_.find(key);
  if (it != casts_.end() && !it->second.source.expired() && it->second.data == weight.data_ptr() &&
      it->second.version == version)
    return it->second.copy;
  at::Tensor copy;
  if (graph) {
    copy = weight.to(dtype);
  } else {
    // A plain tensor, not an inference tensor: usable by the gradient-free passes of training too.
    c10::InferenceMode normal(false);
    at::NoGradGuard no_grad;
    copy = weight.detach().to(dtype);
  }
  // Copies of weights that no longer exist (a derived weight replaced after an optimiser step).
  for (auto e = casts_.begin(); e != casts_.end();) e = e->second.source.expired() ? casts_.erase(e) : std::next(e);
  casts_.insert_or_assign(
      key, Entry{c10::weak_intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl>(weight.getIntrusivePtr()),
                 weight.data_ptr(), version, copy});
  return copy;
}

void LowPrecisionWeights::pack_int8(const at::Tensor& weight, const at::Tensor& bias) {
  select_engine();
  c10::InferenceMode normal(false);
  at::NoGradGuard no_grad;
  auto w = weight.detach().to(at::kCPU, at::kFloat).contiguous();
  // Symmetric, one scale per tensor: PyTorch's quantize_dynamic default. Per-channel scales are
  // slightly more exact but ran 2-3x slower through oneDNN 2.6 here.
  const double scale = std::max(w.abs().max().item<double>() / 127.0, 1e-12);
  auto qw = at::quantize_per_tensor(w, scale, 0, at::kQInt8);
  torch::jit::Stack stack{
      qw, bias.defined() ? c10::IValue(bias.detach().to(at::kCPU, at::kFloat).contiguous()) : c10::IValue()};
  static const c10::OperatorHandle prepack = op("quantized::linear_prepack");
  prepack.callBoxed(&stack);
  std::lock_guard<std::mutex> lock(mutex_);
  packed_[weight.unsafeGetTensorImpl()] = stack.at(0);
}

const c10::IValue* LowPrecisionWeights::int8(const at::Tensor& weight) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = packed_.find(weight.unsafeGetTensorImpl());
  return it == packed_.end() ? nullptr : &it->second;
}

at::Tensor LowPrecisionWeights::int8_linear(const at::Tensor& x, const c10::IValue& packed) {
  const at::QEngine engine = select_engine();
  torch::jit::Stack stack{x.to(at::kFloat).contiguous(), packed, reduce_range(engine)};
  static const c10::OperatorHandle linear_dynamic = op("quantized::linear_dynamic");
  linear_dynamic.callBoxed(&stack);
  return stack.at(0).toTensor();
}

size_t LowPrecisionWeights::cast_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t n = 0;
  for (const auto& [key, e] : casts_) n += e.copy.nbytes();
  return n;
}

void LowPrecisionWeights::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  casts_.clear();
  packed_.clear();
}

}  // namespace ser::precision
