#include "runtime/runtime_info.h"

#include <fstream>

#include <ATen/Parallel.h>
#include <torch/version.h>

#include "runtime/device.h"
#include "runtime/threads.h"

namespace ser::runtime {
namespace {

// Reads the mapped shared objects: whatever the build said, this is the BLAS that runs.
void detect_blas(RuntimeInfo& info) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  info.blas = "unknown";
  while (std::getline(maps, line)) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    if (path.find("openblas") != std::string::npos) {
      info.blas = "openblas";
      info.blas_library = path;
      return;
    }
    if (path.find("libmkl") != std::string::npos) {
      info.blas = "mkl";
      info.blas_library = path;
      return;
    }
    if (path.find("/blas/libblas.so") != std::string::npos || path.find("libblas.so") != std::string::npos) {
      info.blas = "reference";
      info.blas_library = path;
    }
  }
}

}  // namespace

RuntimeInfo runtime_info() {
  RuntimeInfo info;
  info.torch_version = TORCH_VERSION;
  info.cuda_available = cuda_available();
  info.cuda_devices = info.cuda_available ? cuda_device_count() : 0;
  info.threads = thread_count();
  info.cores = available_cores();
  info.parallel_backend = at::get_parallel_info().find("OpenMP") != std::string::npos ? "openmp" : "native";
  detect_blas(info);
  return info;
}

}  // namespace ser::runtime
