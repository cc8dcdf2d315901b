// Prepares batches on its own thread ahead of the training loop (prefetch): decode (cached),
// random crop to the clip cap in training, normalise. Deterministic for (seed, epoch, batch).
#pragma once
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "config/model_config.h"
#include "config/preprocessor_config.h"
#include "train/audio_cache.h"
#include "train/manifest.h"

namespace ser::train {

struct PreparedBatch {
  size_t number = 0;            // index in the epoch's plan
  std::vector<size_t> indices;  // examples of the manifest
  std::vector<std::vector<float>> waves;
};

struct LoaderSettings {
  bool random_crop = false;     // training: random window of max_clip_seconds; eval: whole clip
  double max_clip_seconds = 0;  // 0 = no cap
  uint64_t seed = 0;
  int epoch = 0;
  size_t prefetch = 2;
};

class BatchLoader {
 public:
  BatchLoader(const Manifest& manifest, const ModelConfig& model, const PreprocessorConfig& pre, AudioCache& cache,
              std::vector<std::vector<size_t>> batches, size_t first_batch, LoaderSettings settings);
  ~BatchLoader();
  // Blocks for the next batch; false at the end. Rethrows what the loader thread threw.
  bool next(PreparedBatch& out);

 private:
  void produce();
  PreparedBatch prepare(size_t number);

  const Manifest& manifest_;
  const ModelConfig& model_;
  const PreprocessorConfig& pre_;
  AudioCache& cache_;
  std::vector<std::vector<size_t>> batches_;
  size_t next_produce_;
  LoaderSettings settings_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<PreparedBatch> ready_;
  std::exception_ptr error_;
  bool done_ = false, stop_ = false;
  std::thread thread_;
};

}  // namespace ser::train
