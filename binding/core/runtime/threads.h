// Intra-op thread count and process-level tuning. libtorch's OpenMP thread count is per OS
// thread, so every core entry point re-applies the wanted count on the thread that runs it.
#pragma once

namespace ser::runtime {

int available_cores();          // CPUs this process may run on (affinity mask)
void set_thread_count(int n);   // n <= 0: available_cores()
int thread_count();
void apply_threads();           // at::set_num_threads(thread_count()) on the calling thread
// Once per process: keep freed activations in the heap instead of returning them to the kernel
// (glibc's dynamic mmap threshold makes every forward pass page-fault its buffers again).
void tune_process();

}  // namespace ser::runtime
