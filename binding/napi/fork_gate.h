// Debian 12's OpenBLAS (0.3.21) shuts its thread pool down from a fork handler; a fork while
// another thread is inside OpenBLAS deadlocks the forking thread for good (seen: Node's
// child_process.spawn froze the event loop while model calls ran on their lanes). Native model
// work runs inside a ComputeSection; a fork waits for the running sections to end and holds new
// ones back until it is done. Training steps are not gated yet.
#pragma once

namespace ser_napi {

class ComputeSection {
 public:
  ComputeSection();
  ~ComputeSection();
  ComputeSection(const ComputeSection&) = delete;
  ComputeSection& operator=(const ComputeSection&) = delete;
};

// Once, after libtorch and OpenBLAS registered their own fork handlers (ours then runs first).
void install_fork_gate();

}  // namespace ser_napi
