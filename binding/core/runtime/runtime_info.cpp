#include "runtime/runtime_info.h"

#include <dlfcn.h>

#include <cctype>
#include <fstream>

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <torch/version.h>

#include "runtime/device.h"
#include "runtime/threads.h"
#include "runtime/warnings.h"

namespace ser::runtime {
namespace {

std::string torch_library();

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
  // The pip wheels link MKL into libtorch_cpu itself: no library of its own is mapped.
  if (info.blas == "unknown" && at::hasMKL()) {
    info.blas = "mkl";
    info.blas_library = torch_library();
  }
}

// OpenBLAS names the kernel set it picked (OPENBLAS_CORETYPE forces one: Haswell halves float32
// GEMMs on AVX-512 machines). Looked up at run time: the BLAS may be another library.
std::string openblas_core() {
  using CoreName = char* (*)();
  auto fn = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  const char* name = fn ? fn() : nullptr;
  return name ? name : "";
}

// How long OpenBLAS's idle workers spin before sleeping, as OpenBLAS read OPENBLAS_THREAD_TIMEOUT
// when it loaded (log2 of cycles; its default 28 is ~0.1 s of yielding per worker after each call).
int openblas_thread_timeout() {
  using Timeout = int (*)();
  auto fn = reinterpret_cast<Timeout>(dlsym(RTLD_DEFAULT, "openblas_thread_timeout"));
  return fn ? fn() : -1;
}

// ATen's vectorised kernels (elementwise ops, norms, softmax) run at this level; libtorch reports
// it only in its build summary ("CPU capability usage: AVX2").
std::string cpu_capability() {
  const std::string config = at::show_config();
  const std::string key = "CPU capability usage: ";
  const auto at = config.find(key);
  if (at == std::string::npos) return "unknown";
  std::string value = config.substr(at + key.size(), config.find('\n', at) - at - key.size());
  for (auto& ch : value) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return value == "no avx" ? "default" : value;
}

// The shared object that holds libtorch's CPU code, found from one of its functions: with several
// libtorch installs (Debian's, a wheel's) this says which one the loader picked.
std::string torch_library() {
  Dl_info where{};
  if (dladdr(reinterpret_cast<void*>(&at::show_config), &where) == 0 || !where.dli_fname) return "";
  return where.dli_fname;
}

std::string torch_origin(const std::string& library) {
  if (library.find("/site-packages/") != std::string::npos || library.find("/dist-packages/") != std::string::npos)
    return "python";
  if (library.rfind("/usr/lib/", 0) == 0 || library.rfind("/lib/", 0) == 0) return "system";
  return "unpacked";
}

std::string engine_name(at::QEngine e) {
  switch (e) {
    case at::QEngine::FBGEMM: return "fbgemm";
    case at::QEngine::QNNPACK: return "qnnpack";
    case at::QEngine::ONEDNN: return "onednn";
    case at::QEngine::X86: return "x86";
    default: return "none";
  }
}

}  // namespace

RuntimeInfo runtime_info() {
  RuntimeInfo info;
  info.torch_version = TORCH_VERSION;
  info.torch_library = torch_library();
  info.torch_origin = torch_origin(info.torch_library);
  info.cuda_available = cuda_available();
  info.cuda_devices = info.cuda_available ? cuda_device_count() : 0;
  info.threads = thread_count();
  info.cores = available_cores();
  info.parallel_backend = at::get_parallel_info().find("OpenMP") != std::string::npos ? "openmp" : "native";
  detect_blas(info);
  if (info.blas == "openblas") {
    info.blas_core = openblas_core();
    info.blas_thread_timeout = openblas_thread_timeout();
  }
  info.cpu_capability = cpu_capability();
  for (auto e : at::globalContext().supportedQEngines())
    if (e != at::QEngine::NoQEngine) info.quantized_engines.push_back(engine_name(e));
  info.cpu = cpu_features();
  info.warnings = recorded_warnings();
  return info;
}

}  // namespace ser::runtime
