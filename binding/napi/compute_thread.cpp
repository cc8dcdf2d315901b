#include "compute_thread.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <mutex>
#include <thread>

namespace ser_napi {
namespace {

class ComputeThread {
 public:
  ComputeThread() : thread_([this] { loop(); }) { thread_.detach(); }

  void run(const std::function<void()>& job) {
    std::packaged_task<void()> task(job);
    auto done = task.get_future();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(std::move(task));
    }
    cv_.notify_one();
    done.get();  // rethrows the job's exception
  }

 private:
  // Detached and never stopped: it lives as long as the process, like libuv's own pool.
  void loop() {
    while (true) {
      std::packaged_task<void()> task;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return !queue_.empty(); });
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::packaged_task<void()>> queue_;
  std::thread thread_;
};

}  // namespace

void run_on_compute_thread(const std::function<void()>& job) {
  static ComputeThread* thread = new ComputeThread();  // intentionally leaked: no exit-time teardown race
  thread->run(job);
}

}  // namespace ser_napi
