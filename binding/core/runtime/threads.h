// Intra-op thread count and process-level tuning. libtorch's OpenMP thread count is per OS
// thread, so every core entry point re-applies the wanted count on the thread that runs it.
#pragma once

namespace ser::runtime {

// More intra-op threads than this is a mistake (1e6 made libtorch spin; 1000 per training run
// exhausted the process's threads): callers refuse it with an InputError.
constexpr int kMaxThreads = 1024;

int available_cores();  // CPUs this process may run on (affinity mask)
// n, at most 4 x the cores: more only adds barrier cost (1000 on 2 cores made a step take 50 s).
int capped_threads(int n);
double physical_memory_bytes();  // RAM of the machine (sysconf)
void set_thread_count(int n);    // n <= 0: available_cores()
int thread_count();
void apply_threads();  // at::set_num_threads(thread_count()) on the calling thread
// Once per process: keep freed activations in the heap instead of returning them to the kernel
// (glibc's dynamic mmap threshold makes every forward pass page-fault its buffers again), and
// put libtorch's CPU allocator behind a block cache. SER_TORCH_PROCESS_TUNING=0 in the
// environment leaves the process's malloc and allocator as they were (for hosts that tune them).
void tune_process();
bool process_tuning_enabled();

}  // namespace ser::runtime
