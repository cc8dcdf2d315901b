#include "runtime/threads.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include <ATen/Parallel.h>
#include <malloc.h>
#include <sched.h>
#include <unistd.h>

#include "runtime/context_compat.h"
#include "runtime/cpu_block_cache.h"

namespace ser::runtime {
namespace {
std::atomic<int> g_threads{0};
}

int available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

int capped_threads(int n) { return std::min({n, kMaxThreads, 4 * available_cores()}); }

double physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && size > 0 ? static_cast<double>(pages) * static_cast<double>(size) : 8e9;
}

void set_thread_count(int n) { g_threads = n > 0 ? capped_threads(n) : available_cores(); }

int thread_count() {
  int n = g_threads.load();
  return n > 0 ? n : available_cores();
}

void apply_threads() {
  const int n = thread_count();
  if (at::get_num_threads() != n) at::set_num_threads(n);
}

bool process_tuning_enabled() {
  const char* v = std::getenv("SER_TORCH_PROCESS_TUNING");
  return !(v && std::string(v) == "0");
}

void tune_process() {
  static std::once_flag once;
  std::call_once(once, [] {
    disable_nnpack();  // not a tuning: it keeps libtorch 2.x's log lines out of the host's stderr
    if (!process_tuning_enabled()) return;
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 64 << 20);
    install_block_cache();  // the same for the threads our work runs on (their own arenas)
  });
}

}  // namespace ser::runtime
