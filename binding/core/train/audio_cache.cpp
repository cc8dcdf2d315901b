#include "train/audio_cache.h"

#include "audio/audio_file.h"

namespace ser::train {

std::shared_ptr<const std::vector<float>> AudioCache::get(const std::string& path) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = clips_.find(path);
    if (it != clips_.end()) return it->second;
  }
  auto clip = std::make_shared<const std::vector<float>>(audio::load_mono(path, rate_));
  std::lock_guard<std::mutex> lock(mutex_);
  const size_t bytes = clip->size() * sizeof(float);
  if (used_ + bytes <= budget_) {
    clips_.emplace(path, clip);
    used_ += bytes;
  }
  return clip;
}

}  // namespace ser::train
