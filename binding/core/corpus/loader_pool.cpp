#include "corpus/loader_pool.h"

#include <algorithm>
#include <atomic>
#include <memory>

namespace ser::corpus {

int default_loader_threads() {
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  return std::clamp(cores / 2, 1, 8);
}

LoaderPool::LoaderPool(int threads) {
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { loop(); });
}

LoaderPool::~LoaderPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void LoaderPool::post(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void LoaderPool::loop() {
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

void LoaderPool::for_each(std::size_t count, std::function<void(std::size_t)> work, std::function<void()> done) {
  if (count == 0) {
    post(std::move(done));
    return;
  }
  // Shared by the jobs: the next index to take, and how many jobs are still running.
  struct Shared {
    std::atomic<std::size_t> next{0};
    std::atomic<int> running{0};
    std::function<void(std::size_t)> work;
    std::function<void()> done;
  };
  auto shared = std::make_shared<Shared>();
  shared->work = std::move(work);
  shared->done = std::move(done);
  const int jobs = static_cast<int>(std::min<std::size_t>(count, threads_.size()));
  shared->running = jobs;
  for (int j = 0; j < jobs; ++j) {
    post([shared, count] {
      for (std::size_t i = shared->next++; i < count; i = shared->next++) shared->work(i);
      if (--shared->running == 0) shared->done();
    });
  }
}

}  // namespace ser::corpus
