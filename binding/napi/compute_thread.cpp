#include "compute_thread.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace ser_napi {
namespace {

class ComputeThread {
 public:
  ComputeThread() : thread_([this] { loop(); }) { thread_.detach(); }

  void post(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopped_) return;  // the process is exiting
      queue_.push_back(std::move(job));
    }
    cv_.notify_all();
  }

  void stop() {
    std::unique_lock<std::mutex> lock(mutex_);
    stopped_ = true;
    queue_.clear();
    cv_.wait(lock, [&] { return !busy_; });
  }

 private:
  // Detached and never joined: it lives as long as the process, like libuv's own pool.
  void loop() {
    while (true) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return !queue_.empty(); });
        job = std::move(queue_.front());
        queue_.pop_front();
        busy_ = true;
      }
      job();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        busy_ = false;
      }
      cv_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool busy_ = false, stopped_ = false;
  std::thread thread_;
};

ComputeThread& compute_thread() {
  static ComputeThread* thread = new ComputeThread();  // intentionally leaked: no exit-time teardown race
  return *thread;
}

}  // namespace

void post_to_compute_thread(std::function<void()> job) { compute_thread().post(std::move(job)); }

void stop_compute_thread() { compute_thread().stop(); }

}  // namespace ser_napi
