// What differs between Debian's libtorch 1.13 and libtorch 2.x for the data-parallel code, in one
// place (the rest of the core compiles unchanged against both).
#pragma once
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/version.h>

namespace ser::distributed::compat {

// A process group running Gloo. 2.x split the engine (c10d::Backend, which ProcessGroupGloo now
// is) from the ProcessGroup that dispatches collectives to it by device; 1.13's ProcessGroupGloo
// is the ProcessGroup itself.
inline c10::intrusive_ptr<c10d::ProcessGroup> gloo_process_group(
    const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
    const c10::intrusive_ptr<c10d::ProcessGroupGloo::Options>& options) {
#if TORCH_VERSION_MAJOR >= 2
  auto backend = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, options);
  auto group = c10::make_intrusive<c10d::ProcessGroup>(store, rank, size);
  group->setDefaultBackend(c10d::ProcessGroup::BackendType::GLOO);
  group->setBackend(c10::DeviceType::CPU, c10d::ProcessGroup::BackendType::GLOO, backend);
  return group;
#else
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, options);
#endif
}

}  // namespace ser::distributed::compat
