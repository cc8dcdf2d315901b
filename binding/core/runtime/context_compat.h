// at::Context switches across libtorch 1.13 (Debian) and 2.x.
#pragma once
#include <ATen/Context.h>
#include <torch/version.h>

namespace ser::runtime {

// 2.x tries NNPACK for convolutions and, on CPUs it does not support (these AVX-512 EPYCs among
// them), logs "Could not initialize NNPACK! Reason: Unsupported hardware." from every thread that
// tries, into the host's stderr. Off, convolutions run on oneDNN or ATen's own kernels, as on
// Debian's 1.13, which has no such switch.
inline void disable_nnpack() {
#if TORCH_VERSION_MAJOR >= 2
  at::globalContext().setUserEnabledNNPACK(false);
#endif
}

}  // namespace ser::runtime
