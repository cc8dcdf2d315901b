// What differs between Debian's libtorch 1.13 and libtorch 2.x for the data-parallel code, in one
// place (the rest of the core compiles unchanged against both).
#pragma once
#include <chrono>
#include <string>

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/version.h>

// A CUDA libtorch 2.x built with NCCL (its CMake target defines USE_C10D_NCCL).
#if TORCH_VERSION_MAJOR >= 2 && defined(USE_C10D_NCCL)
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#define SER_TORCH_NCCL 1
#else
#define SER_TORCH_NCCL 0
#endif

namespace ser::distributed::compat {

// Which engine moves CUDA tensors: "nccl", "gloo" (staged through host memory) or "" (CPU runs).
inline const char* cuda_backend_name(bool cuda) {
  if (!cuda) return "";
  return SER_TORCH_NCCL ? "nccl" : "gloo";
}

// The process group: Gloo for CPU tensors; for a CUDA run, NCCL for CUDA tensors where the
// libtorch has it (else Gloo, which stages them through host memory). 2.x split the engines
// (c10d::Backend, which ProcessGroupGloo/NCCL now are) from the ProcessGroup that dispatches each
// collective by its tensors' device; 1.13's ProcessGroupGloo is the ProcessGroup itself, and
// Debian's 1.13 has no CUDA. Each engine keys the store under its own prefix, as
// torch.distributed does for "cpu:gloo,cuda:nccl".
inline c10::intrusive_ptr<c10d::ProcessGroup> process_group(
    const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
    const c10::intrusive_ptr<c10d::ProcessGroupGloo::Options>& gloo_options, bool cuda) {
#if TORCH_VERSION_MAJOR >= 2
  auto gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(c10::make_intrusive<c10d::PrefixStore>("cpu/", store), rank,
                                                          size, gloo_options);
  auto group = c10::make_intrusive<c10d::ProcessGroup>(store, rank, size);
  group->setDefaultBackend(c10d::ProcessGroup::BackendType::GLOO);
  group->setBackend(c10::DeviceType::CPU, c10d::ProcessGroup::BackendType::GLOO, gloo);
  if (cuda) {
#if SER_TORCH_NCCL
    auto options = c10d::ProcessGroupNCCL::Options::create();
    options->timeout = gloo_options->timeout;
    auto nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(c10::make_intrusive<c10d::PrefixStore>("cuda/", store),
                                                            rank, size, options);
    group->setBackend(c10::DeviceType::CUDA, c10d::ProcessGroup::BackendType::NCCL, nccl);
#else
    group->setBackend(c10::DeviceType::CUDA, c10d::ProcessGroup::BackendType::GLOO, gloo);
#endif
  }
  return group;
#else
  (void)cuda;
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, gloo_options);
#endif
}

}  // namespace ser::distributed::compat
