// Decoded, resampled clips kept across epochs up to a memory budget (decoding dominates the
// loader's time on small corpora). Thread-safe.
#pragma once
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace ser::train {

class AudioCache {
 public:
  AudioCache(int sample_rate, size_t budget_bytes) : rate_(sample_rate), budget_(budget_bytes) {}
  // Decoded mono audio at the cache's rate; decodes (outside the lock) on a miss.
  std::shared_ptr<const std::vector<float>> get(const std::string& path);

 private:
  int rate_;
  size_t budget_, used_ = 0;
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<const std::vector<float>>> clips_;
};

}  // namespace ser::train
