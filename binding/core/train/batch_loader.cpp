#include "train/batch_loader.h"

#include <random>

#include "preprocess/waveform.h"

namespace ser::train {

BatchLoader::BatchLoader(const Manifest& manifest, const ModelConfig& model, const PreprocessorConfig& pre,
                         AudioCache& cache, std::vector<std::vector<size_t>> batches, size_t first_batch,
                         LoaderSettings settings)
    : manifest_(manifest),
      model_(model),
      pre_(pre),
      cache_(cache),
      batches_(std::move(batches)),
      next_produce_(first_batch),
      settings_(settings) {
  thread_ = std::thread([this] { produce(); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

PreparedBatch BatchLoader::prepare(size_t number) {
  PreparedBatch b;
  b.number = number;
  b.indices = batches_[number];
  // One generator per batch: a resumed run crops exactly as the uninterrupted one.
  std::mt19937_64 rng(settings_.seed * 7919ULL + static_cast<uint64_t>(settings_.epoch) * 104729ULL + number);
  const int64_t cap =
      settings_.max_clip_seconds > 0 ? static_cast<int64_t>(settings_.max_clip_seconds * pre_.sampling_rate) : 0;
  for (size_t i : b.indices) {
    const auto& ex = manifest_.examples[i];
    auto clip = cache_.get(ex.path);
    size_t start = 0, len = clip->size();
    if (cap > 0 && static_cast<int64_t>(len) > cap) {
      if (settings_.random_crop) start = std::uniform_int_distribution<size_t>(0, len - cap)(rng);
      len = static_cast<size_t>(cap);
    }
    std::vector<float> wave(clip->begin() + start, clip->begin() + start + len);
    b.waves.push_back(preprocess::prepare_waveform(std::move(wave), pre_.sampling_rate, model_, pre_,
                                                   manifest_.source + ":" + std::to_string(ex.line)));
  }
  return b;
}

void BatchLoader::produce() {
  try {
    while (true) {
      size_t number;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return stop_ || ready_.size() < settings_.prefetch; });
        if (stop_ || next_produce_ >= batches_.size()) break;
        number = next_produce_++;
      }
      PreparedBatch b = prepare(number);
      std::lock_guard<std::mutex> lock(mutex_);
      ready_.push_back(std::move(b));
      cv_.notify_all();
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = std::current_exception();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  done_ = true;
  cv_.notify_all();
}

bool BatchLoader::next(PreparedBatch& out) {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait(lock, [&] { return !ready_.empty() || done_; });
  if (!ready_.empty()) {
    out = std::move(ready_.front());
    ready_.pop_front();
    cv_.notify_all();
    return true;
  }
  if (error_) std::rethrow_exception(error_);
  return false;
}

}  // namespace ser::train
