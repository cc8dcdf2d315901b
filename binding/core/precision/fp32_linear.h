// Float32 Linear layers through oneDNN's inner product instead of the BLAS. Where OpenBLAS is held
// below the processor's vector width (OPENBLAS_CORETYPE=Haswell on an AVX-512 machine, as this
// project's environment sets), oneDNN's AVX-512 kernels ran these products 1.3-1.7x faster,
// conversions included; with OpenBLAS's own AVX-512 kernels (SkylakeX / Cooperlake) the BLAS was
// as fast or faster, so it keeps them. Inference only: training's products keep the BLAS path.
#pragma once
#include <ATen/Tensor.h>

namespace ser::precision {

// Whether float32 inference should route Linear layers through oneDNN on this process:
// SER_TORCH_FP32_LINEAR=onednn (every product) | openblas forces it; otherwise (auto) oneDNN when
// libtorch has it, the CPU has AVX-512 and the BLAS is OpenBLAS running a kernel set without
// AVX-512 (then for products of at least 64 rows). Decided once per process; a bad value throws.
bool onednn_fp32_linear_wanted();

// Whether a call with `x` can take the oneDNN path: float32 on the CPU, no graph to record, and
// under auto enough rows (below that, oneDNN's per-call setup outweighs what its kernels gain).
bool onednn_fp32_linear_fits(const at::Tensor& x, const at::Tensor& weight);

// y = x W^T + b for x (..., in), W (out, in) dense float32, b (out) or undefined; float32 (..., out).
at::Tensor onednn_fp32_linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias);

}  // namespace ser::precision
