#include "preprocess/pad_batch.h"

#include <algorithm>

#include <ATen/ATen.h>

namespace ser::preprocess {

torch::Tensor pad_batch(const std::vector<const std::vector<float>*>& waves, std::vector<int64_t>& lengths) {
  lengths.clear();
  int64_t max_len = 0;
  for (auto* w : waves) {
    lengths.push_back(static_cast<int64_t>(w->size()));
    max_len = std::max(max_len, lengths.back());
  }
  auto batch = at::zeros({static_cast<int64_t>(waves.size()), max_len}, at::kFloat);
  for (size_t b = 0; b < waves.size(); ++b) std::copy(waves[b]->begin(), waves[b]->end(), batch[b].data_ptr<float>());
  return batch;
}

}  // namespace ser::preprocess
