#include "precision/fp32_linear.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "error.h"
#include "runtime/runtime_info.h"

namespace ser::precision {
namespace {

// Below this many rows (e.g. the regression head on pooled vectors) the BLAS call is cheaper.
constexpr int64_t kMinRows = 64;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// OpenBLAS kernel sets (openblas_get_corename) that use AVX-512 for SGEMM.
bool avx512_blas_core(const std::string& core) {
  const std::string c = lower(core);
  return c == "skylakex" || c == "cooperlake" || c == "sapphirerapids";
}

enum class Route { Blas, OneDnnLargeProducts, OneDnnAll };

Route decide() {
  const char* forced = std::getenv("SER_TORCH_FP32_LINEAR");
  const std::string mode = forced ? lower(forced) : "auto";
  if (mode == "openblas" || mode == "blas") return Route::Blas;
  // Forced: every product, small ones too (so that the small parity fixtures exercise it).
  if (mode == "onednn") return at::hasMKLDNN() ? Route::OneDnnAll : Route::Blas;
  if (mode != "auto" && !mode.empty())
    throw Error(ErrorCode::Input, "SER_TORCH_FP32_LINEAR must be \"auto\", \"onednn\" or \"openblas\", got \"" +
                                      std::string(forced) + "\"");
  if (!at::hasMKLDNN()) return Route::Blas;
  const auto info = runtime::runtime_info();
  const bool narrow_blas = info.blas == "openblas" && !info.blas_core.empty() && !avx512_blas_core(info.blas_core);
  return info.cpu.avx512 && narrow_blas ? Route::OneDnnLargeProducts : Route::Blas;
}

Route route() {
  static const Route r = decide();
  return r;
}

}  // namespace

bool onednn_fp32_linear_wanted() { return route() != Route::Blas; }

bool onednn_fp32_linear_fits(const at::Tensor& x, const at::Tensor& weight) {
  if (at::GradMode::is_enabled() && (x.requires_grad() || weight.requires_grad())) return false;
  if (!x.device().is_cpu() || x.scalar_type() != at::kFloat || weight.scalar_type() != at::kFloat) return false;
  if (weight.dim() != 2 || x.dim() < 2 || x.size(-1) != weight.size(1)) return false;
  return route() == Route::OneDnnAll || x.numel() / x.size(-1) >= kMinRows;
}

at::Tensor onednn_fp32_linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  const int64_t in = x.size(-1);
  // libtorch 1.13's mkldnn_linear takes the input in oneDNN's layout and the weight dense (read in
  // place, no copy kept); the output comes back dense.
  auto rows = x.reshape({-1, in}).contiguous().to_mkldnn();
  auto w = weight.is_contiguous() ? weight : weight.contiguous();
  auto y = at::mkldnn_linear(rows, w, bias).to_dense();  // an undefined bias is none
  auto shape = x.sizes().vec();
  shape.back() = weight.size(0);
  return y.view(shape);
}

}  // namespace ser::precision
