// Native threads for model work. libtorch's OpenMP thread count, oneDNN caches and the
// thread-count setting are per calling thread: on libuv's rotating pool every call could land on
// a cold thread, so each kind of work keeps its own long-lived thread.
// - The shared compute thread: loads, streams, corpora, training set-up, anything not tied to one model.
// - A lane per loaded model: its predict / embed / hiddenStates / save calls, in order. Calls on
//   different models run side by side (measured: two models with threads: 1 each on 2 cores ran
//   in about half the time of the same calls queued on one thread, bench/concurrent.js).
#pragma once
#include <functional>
#include <memory>

namespace ser_napi {

class ComputeLane {
 public:
  ComputeLane();   // starts the lane's thread
  ~ComputeLane();  // close()s it
  ComputeLane(const ComputeLane&) = delete;
  ComputeLane& operator=(const ComputeLane&) = delete;
  // Queues `job` (which must not throw) and returns at once; jobs run in the order posted.
  void post(std::function<void()> job);
  // The thread ends once the jobs already posted have run; later posts are dropped.
  void close();

  struct State;

 private:
  std::shared_ptr<State> state_;
};

// Queues `job` for the shared compute thread and returns at once. The job must not throw.
void post_to_compute_thread(std::function<void()> job);

// For the process's exit (main thread only): every lane and the shared thread drop the jobs not
// yet started and wait for the running one, so no model work runs libtorch while the process's
// destructors do.
void stop_compute_thread();
// True once stop_compute_thread() has begun: work that waits (a batcher gathering calls) gives up.
bool compute_stopping();

}  // namespace ser_napi
