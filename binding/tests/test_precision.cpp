// Precision machinery (precision/): the weight store reuses a bf16 copy until the weight changes
// (an optimiser step), with gradients flowing back to the float32 weight; the ops are the plain
// float32 ops outside a bf16 scope; int8 Linear layers match float32 within quantisation error;
// choose() resolves and refuses as documented.
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/nn/modules/linear.h>

#include "error.h"
#include "precision/inference_weights.h"
#include "precision/low_precision_weights.h"
#include "precision/ops.h"
#include "precision/precision.h"
#include "runtime/cpu_features.h"
#include "harness.h"

using ser::precision::LowPrecisionWeights;

namespace {
ser::precision::Plan bf16_plan() {
  ser::precision::Plan p;
  p.precision = ser::precision::Precision::BFloat16;
  p.matmul = at::kBFloat16;
  return p;
}
}  // namespace

TEST_CASE("precision: a weight's bf16 copy is made once and remade only when the weight changes") {
  LowPrecisionWeights store;
  auto w = at::randn({64, 32}).requires_grad_(true);
  auto a = store.cast(w, at::kBFloat16);
  auto b = store.cast(w, at::kBFloat16);
  CHECK(a.scalar_type() == at::kBFloat16);
  CHECK(a.data_ptr() == b.data_ptr());  // micro-batches of one step share it
  {
    at::NoGradGuard no_grad;
    w.add_(1.0);  // what an optimiser step does
  }
  auto c = store.cast(w, at::kBFloat16);
  CHECK(c.data_ptr() != a.data_ptr());
  CHECK((c.to(at::kFloat) - w.detach()).abs().max().item<float>() < 0.05f);
}

TEST_CASE("precision: gradients flow through the cached copy to the float32 weight, once per backward") {
  LowPrecisionWeights store;
  auto w = at::randn({8, 4}).requires_grad_(true);
  auto x = at::randn({3, 4});
  for (int pass = 1; pass <= 2; ++pass) {  // two micro-batches on one cached copy
    auto y = at::linear(x.to(at::kBFloat16), store.cast(w, at::kBFloat16)).to(at::kFloat).sum();
    y.backward();
  }
  CHECK(w.grad().defined());
  CHECK(w.grad().scalar_type() == at::kFloat);
  auto want = x.sum(0).unsqueeze(0).expand({8, 4}) * 2;  // d/dw of sum(x w^T), twice
  CHECK((w.grad() - want).abs().max().item<float>() < 0.1f);
}

TEST_CASE("precision: inference-mode casts are plain tensors, reusable outside inference mode") {
  LowPrecisionWeights store;
  auto w = at::randn({16, 16}).requires_grad_(true);
  at::Tensor in_inference;
  {
    c10::InferenceMode guard;
    in_inference = store.cast(w, at::kBFloat16);
  }
  CHECK(!in_inference.is_inference());
  at::NoGradGuard no_grad;
  CHECK(store.cast(w, at::kBFloat16).data_ptr() == in_inference.data_ptr());
}

TEST_CASE("precision: ops are exactly the float32 ops without a scope, bf16 inside one") {
  torch::nn::Linear layer(32, 16);
  auto x = at::randn({5, 32});
  auto plain = ser::precision::linear(layer, x);
  CHECK(at::equal(plain, layer(x)));
  LowPrecisionWeights store;
  {
    ser::precision::Scope scope(bf16_plan(), &store);
    auto low = ser::precision::linear(layer, x);
    CHECK(low.scalar_type() == at::kBFloat16);
    CHECK((low.to(at::kFloat) - plain).abs().max().item<float>() < 0.05f);
    CHECK(ser::precision::to_float(low).scalar_type() == at::kFloat);
  }
  CHECK(ser::precision::current_plan().matmul == at::kFloat);  // the scope ended
}

TEST_CASE("precision: int8 Linear layers match float32 within quantisation error") {
  torch::nn::Linear layer(256, 128);
  auto x = at::randn({4, 10, 256});
  auto want = layer(x).detach();
  LowPrecisionWeights store;
  ser::precision::Plan plan;
  plan.precision = ser::precision::Precision::Int8;
  plan.int8_linear = true;
  ser::precision::prepare_for_inference(*layer, plan, {}, store);
  CHECK(layer->weight.numel() == 0);  // the float32 weights were released
  c10::InferenceMode guard;
  ser::precision::Scope scope(plan, &store);
  auto got = ser::precision::linear(layer, x);
  CHECK(got.sizes() == want.sizes());
  const float scale = want.abs().max().item<float>();
  CHECK((got - want).abs().max().item<float>() < 0.02f * scale);
}

TEST_CASE("precision: choose() resolves auto from the hardware and refuses what cannot run") {
  using ser::precision::choose;
  const c10::Device cpu(c10::kCPU);
  auto f = choose("fp32", cpu, true, "precision");
  CHECK(f.plan.precision == ser::precision::Precision::Float32);
  auto a = choose("auto", cpu, true, "precision");
  const bool native = ser::runtime::cpu_features().bf16;
  CHECK((a.plan.precision == ser::precision::Precision::BFloat16) == native);
  CHECK(a.warning.empty());
  auto b = choose("bf16", cpu, false, "precision");
  CHECK(b.plan.matmul == at::kBFloat16);
  CHECK(b.warning.empty() == native);  // emulated bf16 warns
  CHECK(choose("int8", cpu, true, "precision").plan.int8_linear);
  CHECK_THROWS_CODE(choose("int8", cpu, false, "precision"), ser::ErrorCode::Input);
  CHECK_THROWS_CODE(choose("fp16", cpu, true, "precision"), ser::ErrorCode::Input);
}

TEST_CASE("cpu features: the summary fields agree with the instruction flags") {
  const auto& f = ser::runtime::cpu_features();
  CHECK(f.bf16 == (f.avx512_bf16 || f.amx_bf16));
  CHECK(f.int8 == "amx" || f.int8 == "vnni" || f.int8 == "avx2" || f.int8 == "none");
  if (f.int8 == "vnni") CHECK(f.avx512_vnni || f.avx_vnni);
  if (f.avx512_bf16) CHECK(f.avx512);
}
