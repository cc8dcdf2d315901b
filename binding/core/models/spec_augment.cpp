#include "models/spec_augment.h"

#include <algorithm>

#include <ATen/ATen.h>

namespace ser::models {

torch::Tensor compute_span_mask(int64_t batch, int64_t frames, const std::vector<int64_t>& lengths, double prob,
                                int64_t span, int64_t min_masks) {
  auto mask = at::zeros({batch, frames}, at::kBool);
  if (prob <= 0 || span <= 0) return mask;
  const double eps = at::rand({1}, at::kDouble).item<double>();
  auto acc = mask.accessor<bool, 2>();
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t len = std::min(lengths[b], frames);
    const int64_t starts = len - (span - 1);
    if (starts <= 0) continue;
    int64_t n = static_cast<int64_t>(prob * static_cast<double>(len) / static_cast<double>(span) + eps);
    n = std::max(n, min_masks);
    if (n * span > frames) n = frames / span;
    n = std::min(n, starts);
    if (n <= 0) continue;
    auto picks = at::randperm(starts, at::kLong).narrow(0, 0, n);
    auto p = picks.accessor<int64_t, 1>();
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = 0; k < span; ++k) acc[b][std::min(p[i] + k, frames - 1)] = true;
  }
  return mask;
}

}  // namespace ser::models
