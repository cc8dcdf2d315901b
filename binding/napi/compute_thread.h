// One long-lived native thread for all model work (load, predict, save). libtorch's OpenMP team,
// oneDNN caches and the thread-count setting are per calling thread: on libuv's rotating pool
// every call could land on a cold thread. Jobs run in the order they were posted.
#pragma once
#include <functional>

namespace ser_napi {

// Queues `job` for the compute thread and returns at once. The job must not throw.
void post_to_compute_thread(std::function<void()> job);

// For the process's exit (main thread only): drops the jobs not yet started and waits for the
// running one, so no model work runs libtorch while the process's destructors do.
void stop_compute_thread();

}  // namespace ser_napi
