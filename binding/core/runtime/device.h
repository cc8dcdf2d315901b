// Device strings ("cpu", "cuda", "cuda:N") -> torch devices, with clear errors where the
// libtorch or the machine lacks them: never a silent fallback to the CPU.
#pragma once
#include <string>

#include <c10/core/Device.h>

namespace ser::runtime {

c10::Device parse_device(const std::string& name);
bool cuda_available();
int cuda_device_count();

}  // namespace ser::runtime
