// Coalesces concurrent predict / embed / hiddenStates calls on one model into shared forward
// passes (loadModel's `batching` option). A call waits at most max_delay for others to join;
// the calls taken together hold at most max_batch_size inputs and, as far as known before
// decoding (sample inputs), max_batch_seconds of audio; their inputs are sorted by length into
// passes of at most max_batch_size inputs and max_batch_seconds of padded audio. Each call gets
// exactly its own results, or its own error: a bad file fails only the call that named it.
#pragma once
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <napi.h>

#include "compute_thread.h"

namespace ser_napi {

class RunWorker;

struct BatchingOptions {
  double max_delay_ms = 5;
  double max_batch_seconds = 64;
  int max_batch_size = 64;
};

// loadModel's options.batching: undefined / false: none; true: the defaults; an object: checked
// (ERR_INPUT naming the field).
std::optional<BatchingOptions> read_batching(const Napi::Value& load_options);
Napi::Object batching_to_js(Napi::Env env, const BatchingOptions& options);

class ModelBatcher : public std::enable_shared_from_this<ModelBatcher> {
 public:
  ModelBatcher(std::shared_ptr<ComputeLane> lane, BatchingOptions options, int sample_rate);
  const BatchingOptions& options() const { return options_; }
  // How much coalescing happened (for a server's metrics): calls taken, groups run, largest group.
  struct Stats {
    double calls = 0, groups = 0, largest_group = 0;
  };
  Stats stats();
  // JS thread: takes the call (already Open()ed; not perturbed) and settles it from the lane.
  void submit(RunWorker* call);

 private:
  using Clock = std::chrono::steady_clock;
  struct Pending {
    RunWorker* call;
    Clock::time_point arrival;
    size_t items;
    double known_seconds;  // of its sample inputs; files are known only once decoded
  };
  void drain();                                                      // lane thread: until nothing is pending
  std::vector<RunWorker*> take(std::unique_lock<std::mutex>& lock);  // the next group
  void run_group(const std::vector<RunWorker*>& group);              // lane thread
  bool full() const;                                                 // under mutex_

  std::shared_ptr<ComputeLane> lane_;
  BatchingOptions options_;
  int sample_rate_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<Pending> pending_;
  size_t pending_items_ = 0;
  double pending_seconds_ = 0;
  bool draining_ = false;  // a drain() is queued or running on the lane
  Stats stats_;
};

}  // namespace ser_napi
