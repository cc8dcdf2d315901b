#include "runtime/fork_gate.h"

#include <pthread.h>

#include <condition_variable>
#include <mutex>

namespace ser::runtime {
namespace {

struct Gate {
  std::mutex mutex;
  std::condition_variable cv;
  int active = 0;   // sections running
  int forking = 0;  // forks waiting or in progress
};
Gate& gate() {
  static auto* g = new Gate();  // leaked: fork handlers may run during exit
  return *g;
}

void before_fork() {
  Gate& g = gate();
  std::unique_lock<std::mutex> lock(g.mutex);
  ++g.forking;
  g.cv.wait(lock, [&] { return g.active == 0; });
}

void after_fork_parent() {
  Gate& g = gate();
  {
    std::lock_guard<std::mutex> lock(g.mutex);
    --g.forking;
  }
  g.cv.notify_all();
}

// The child has only the forking thread: nothing runs, nothing waits.
void after_fork_child() {
  Gate& g = gate();
  g.active = 0;
  g.forking = 0;
}

// Sections this thread has open (nesting counts once).
thread_local int open_sections = 0;

}  // namespace

ComputeSection::ComputeSection() {
  if (open_sections++ > 0) return;
  Gate& g = gate();
  std::unique_lock<std::mutex> lock(g.mutex);
  g.cv.wait(lock, [&] { return g.forking == 0; });
  ++g.active;
}

ComputeSection::~ComputeSection() {
  if (--open_sections > 0) return;
  Gate& g = gate();
  {
    std::lock_guard<std::mutex> lock(g.mutex);
    --g.active;
  }
  g.cv.notify_all();
}

void install_fork_gate() {
  static std::once_flag once;
  std::call_once(once, [] { pthread_atfork(before_fork, after_fork_parent, after_fork_child); });
}

}  // namespace ser::runtime
