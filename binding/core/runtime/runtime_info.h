// What the process runs on: libtorch version, devices, threads and the BLAS actually loaded.
#pragma once
#include <string>

namespace ser::runtime {

struct RuntimeInfo {
  std::string torch_version;
  bool cuda_available = false;
  int cuda_devices = 0;
  int threads = 1;
  int cores = 1;
  std::string blas;          // "openblas", "mkl", "reference", "unknown"
  std::string blas_library;  // path of the loaded BLAS shared object
  std::string parallel_backend;
};

RuntimeInfo runtime_info();

}  // namespace ser::runtime
