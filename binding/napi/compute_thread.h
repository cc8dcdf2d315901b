// One long-lived native thread for all model work (load, predict, save). libtorch's OpenMP team,
// oneDNN caches and the thread-count setting are per calling thread: on libuv's rotating pool
// every call could land on a cold thread. Workers hand their job here and wait for it.
#pragma once
#include <functional>

namespace ser_napi {

// Runs `job` on the compute thread and returns when it is done; rethrows what it threw.
void run_on_compute_thread(const std::function<void()>& job);

}  // namespace ser_napi
