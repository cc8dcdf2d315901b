// Float32 Linear layers through oneDNN (precision/fp32_linear.h): the same products as the BLAS
// path within float32 rounding, taken only where they apply, and only for stores that asked.
#include <cstdlib>
#include <string>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/nn/modules/linear.h>

#include "precision/fp32_linear.h"
#include "precision/low_precision_weights.h"
#include "precision/ops.h"
#include "harness.h"

using ser::precision::LowPrecisionWeights;

TEST_CASE("fp32 linear: oneDNN matches the BLAS product within float32 rounding, any leading shape") {
  if (!at::hasMKLDNN()) return;  // a libtorch without oneDNN has only the BLAS route
  torch::nn::Linear layer(96, 80);
  c10::InferenceMode guard;
  for (const auto& shape : {std::vector<int64_t>{2, 70, 96}, std::vector<int64_t>{130, 96}}) {
    auto x = at::randn(shape);
    auto want = layer(x);
    auto got = ser::precision::onednn_fp32_linear(x, layer->weight, layer->bias);
    CHECK(got.sizes() == want.sizes());
    CHECK(got.scalar_type() == at::kFloat);
    CHECK((got - want).abs().max().item<float>() < 1e-4f * (1.0f + want.abs().max().item<float>()));
  }
  auto no_bias = ser::precision::onednn_fp32_linear(at::ones({64, 96}), layer->weight, at::Tensor());
  CHECK((no_bias - at::ones({64, 96}).matmul(layer->weight.t())).abs().max().item<float>() < 1e-4f);
  // A transposed (non-contiguous) input gives the same as its contiguous copy.
  auto xt = at::randn({96, 100}).t();
  CHECK(at::allclose(ser::precision::onednn_fp32_linear(xt, layer->weight, layer->bias),
                     ser::precision::onednn_fp32_linear(xt.contiguous(), layer->weight, layer->bias)));
}

TEST_CASE("fp32 linear: the oneDNN route is for float32 CPU inference with enough rows") {
  torch::nn::Linear layer(32, 16);
  auto few = at::randn({4, 32});
  auto many = at::randn({2, 40, 32});
  {
    at::NoGradGuard no_grad;
    // The head on pooled vectors stays on the BLAS, unless SER_TORCH_FP32_LINEAR=onednn forces all.
    const char* forced = std::getenv("SER_TORCH_FP32_LINEAR");
    if (!forced || std::string(forced) != "onednn") CHECK(!ser::precision::onednn_fp32_linear_fits(few, layer->weight));
    CHECK(ser::precision::onednn_fp32_linear_fits(many, layer->weight));
    CHECK(!ser::precision::onednn_fp32_linear_fits(many.to(at::kBFloat16), layer->weight));
    CHECK(!ser::precision::onednn_fp32_linear_fits(at::randn({80, 31}), layer->weight));  // wrong width
  }
  CHECK(!ser::precision::onednn_fp32_linear_fits(many, layer->weight));  // training: weights need gradients
}

TEST_CASE("fp32 linear: ops::linear takes the oneDNN route only for a store that asked, same result") {
  if (!at::hasMKLDNN()) return;
  torch::nn::Linear layer(48, 24);
  auto x = at::randn({3, 50, 48});
  c10::InferenceMode guard;
  const auto want = layer(x);
  ser::precision::Plan fp32;
  LowPrecisionWeights plain_store;
  {
    ser::precision::Scope scope(fp32, &plain_store);
    CHECK(at::equal(ser::precision::linear(layer, x), want));  // training's stores: the BLAS op exactly
  }
  LowPrecisionWeights onednn_store;
  onednn_store.set_onednn_fp32_linear(true);
  ser::precision::Scope scope(fp32, &onednn_store);
  auto got = ser::precision::linear(layer, x);
  CHECK((got - want).abs().max().item<float>() < 1e-4f * (1.0f + want.abs().max().item<float>()));
}
