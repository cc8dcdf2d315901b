// What the process runs on: libtorch version, devices, threads and the BLAS actually loaded.
#pragma once
#include <string>
#include <vector>

#include "runtime/cpu_features.h"

namespace ser::runtime {

struct RuntimeInfo {
  std::string torch_version;  // the headers built against (TORCH_VERSION)
  std::string torch_library;  // path of the loaded libtorch_cpu.so: the libtorch that runs
  std::string torch_origin;   // "system" (Debian's libtorch) | "python" (a pip torch) | "unpacked" (LIBTORCH)
  bool cuda_available = false;
  int cuda_devices = 0;
  int threads = 1;
  int cores = 1;
  std::string blas;              // "openblas", "mkl", "reference", "unknown"
  std::string blas_library;      // path of the loaded BLAS shared object
  std::string blas_core;         // OpenBLAS's kernel set (e.g. "Haswell", "SkylakeX"; OPENBLAS_CORETYPE)
  int blas_thread_timeout = -1;  // OpenBLAS's idle-worker spin, log2 cycles (OPENBLAS_THREAD_TIMEOUT); -1: not OpenBLAS
  std::string parallel_backend;
  std::string cpu_capability;  // ATen's vector kernels: "default" | "avx2" | "avx512" (ATEN_CPU_CAPABILITY)
  std::vector<std::string> quantized_engines;  // libtorch's int8 engines ("onednn", "fbgemm", ...)
  CpuFeatures cpu;
  std::vector<std::string> warnings;  // recorded once each (runtime/warnings.h)
};

RuntimeInfo runtime_info();

}  // namespace ser::runtime
