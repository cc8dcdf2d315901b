#include "runtime/device.h"

#include <regex>

#include <torch/cuda.h>

#include "error.h"

namespace ser::runtime {

bool cuda_available() { return torch::cuda::is_available(); }
int cuda_device_count() { return static_cast<int>(torch::cuda::device_count()); }

c10::Device parse_device(const std::string& name) {
  if (name.empty() || name == "cpu") return c10::Device(c10::kCPU);
  static const std::regex cuda_re(R"(^cuda(?::(\d{1,3}))?$)");
  std::smatch m;
  if (!std::regex_match(name, m, cuda_re))
    throw Error(ErrorCode::Device, "unknown device \"" + name + "\" (use \"cpu\", \"cuda\" or \"cuda:N\")");
  if (!cuda_available())
    throw Error(ErrorCode::Device,
                "device \"" + name + "\" requested, but this libtorch has no CUDA support or no GPU is visible");
  const int index = m[1].matched ? std::stoi(m[1].str()) : 0;
  if (index >= cuda_device_count())
    throw Error(ErrorCode::Device, "device \"" + name + "\" requested, but only " +
                                       std::to_string(cuda_device_count()) + " CUDA device(s) are visible");
  return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
}

}  // namespace ser::runtime
