// Loader threads for corpus runs: audio files are decoded here while ser-torch's compute thread
// runs the model on the files decoded before them. Torch-free (libsndfile and libsoxr only).
#pragma once
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ser::corpus {

// Half the cores, 1 to 8: decoding is a few per mille of a wav2vec2 forward pass on the CPU, so
// the model keeps most cores; on a GPU they keep the device fed.
int default_loader_threads();

class LoaderPool {
 public:
  explicit LoaderPool(int threads);
  // Finishes the jobs already posted, then joins the threads.
  ~LoaderPool();
  LoaderPool(const LoaderPool&) = delete;
  LoaderPool& operator=(const LoaderPool&) = delete;

  // Queues `job` (which must not throw) and returns at once.
  void post(std::function<void()> job);
  int size() const { return static_cast<int>(threads_.size()); }

  // Runs work(i) for i in [0, count) spread over the threads (at most one job per thread, each
  // taking the next index), then done() on the thread that finished last. work must not throw.
  void for_each(std::size_t count, std::function<void(std::size_t)> work, std::function<void()> done);

 private:
  void loop();

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace ser::corpus
