// Debian 12's OpenBLAS (0.3.21) shuts its thread pool down from a fork handler; a fork while
// another thread is inside OpenBLAS deadlocks the forking thread for good (seen: Node's
// child_process.spawn froze the event loop while model calls ran on their lanes). Native model
// work (a lane's job, a training step, a dev-set batch) runs inside a ComputeSection; a fork waits
// for the running sections to end and holds new ones back until it is done.
#pragma once

namespace ser::runtime {

// Reentrant on one thread: a section opened inside another (a lane's job evaluating a corpus)
// counts once, so a pending fork never waits on a section that waits on it.
class ComputeSection {
 public:
  ComputeSection();
  ~ComputeSection();
  ComputeSection(const ComputeSection&) = delete;
  ComputeSection& operator=(const ComputeSection&) = delete;
};

// Once, after libtorch and OpenBLAS registered their own fork handlers (ours then runs first).
void install_fork_gate();

}  // namespace ser::runtime
