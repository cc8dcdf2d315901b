// One model's weights in the form its precision computes with: bf16 copies of float32 weights,
// made once and reused until the weight changes (an optimiser step moves its version counter),
// and int8 packed Linear weights for dynamic quantisation. Training keeps float32 master weights
// and casts through this store; inference converts once at load (see prepare_for_inference).
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <utility>

#include <ATen/Tensor.h>
#include <ATen/core/ivalue.h>

namespace ser::precision {

class LowPrecisionWeights {
 public:
  // `weight` (a parameter, or a tensor the caller keeps alive and unchanged) in `dtype`. With
  // gradients on and a weight that requires them, the copy carries the graph back to the
  // float32 weight, and is reused across micro-batches until the optimiser changes the weight.
  at::Tensor cast(const at::Tensor& weight, c10::ScalarType dtype);

  // Packs a Linear layer for int8 dynamic quantisation (weights symmetric, one scale per tensor).
  void pack_int8(const at::Tensor& weight, const at::Tensor& bias);
  // The packed form of a Linear layer's weight, or nullptr when it was not packed.
  const c10::IValue* int8(const at::Tensor& weight) const;
  // y = x W^T + b through the packed weights; x float32 (B, ..., in) -> float32.
  static at::Tensor int8_linear(const at::Tensor& x, const c10::IValue& packed);

  // Float32 inference: whether this model's Linear layers run through oneDNN (fp32_linear.h).
  // Set once at load, before any call; training's stores leave it off.
  void set_onednn_fp32_linear(bool on) { onednn_fp32_linear_ = on; }
  bool onednn_fp32_linear() const { return onednn_fp32_linear_; }

  size_t cast_bytes() const;
  void clear();

 private:
  struct Entry {
    c10::weak_intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl> source;  // alive?
    const void* data;
    int64_t version;
    at::Tensor copy;
  };
  using Key = std::tuple<const c10::TensorImpl*, c10::ScalarType, bool>;  // weight, dtype, with graph
  mutable std::mutex mutex_;
  std::map<Key, Entry> casts_;
  std::map<const c10::TensorImpl*, c10::IValue> packed_;
  bool onednn_fp32_linear_ = false;
};

}  // namespace ser::precision
