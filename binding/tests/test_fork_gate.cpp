// The fork gate (runtime/fork_gate.h): a fork waits for the open compute sections to close, and a
// section nested in another on the same thread does not wait on a pending fork (it would wait on
// itself: the fork waits for the outer section).
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "runtime/fork_gate.h"
// Last: its CHECK replaces the glog CHECK that torch's headers bring in.
#include "harness.h"

using ser::runtime::ComputeSection;
using Clock = std::chrono::steady_clock;

TEST_CASE("fork gate: a fork waits for an open section; a nested section does not wait on the fork") {
  ser::runtime::install_fork_gate();
  std::promise<void> opened;
  std::atomic<bool> forked{false}, nested_opened{false}, forked_early{false};
  Clock::time_point closed_at;
  std::thread worker([&] {
    ComputeSection outer;
    opened.set_value();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the fork is pending by now
    {
      ComputeSection nested;  // reentrant: must not wait for the fork, which waits for `outer`
      nested_opened = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    forked_early = forked.load();  // must still be held back: `outer` is open
    closed_at = Clock::now();
  });
  opened.get_future().wait();
  const pid_t pid = fork();
  if (pid == 0) _exit(0);  // the child: nothing to do
  const auto forked_at = Clock::now();
  forked = true;
  worker.join();
  CHECK(pid > 0);
  int status = 0;
  CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK(nested_opened.load());
  CHECK(!forked_early.load());
  CHECK(forked_at >= closed_at);  // the fork happened only after the section closed
  // With no section open, a fork goes through at once and sections open again after it.
  const pid_t second = fork();
  if (second == 0) _exit(0);
  CHECK(second > 0 && waitpid(second, &status, 0) == second);
  ComputeSection after;
}
