#include "train/batch_plan.h"

#include <algorithm>
#include <numeric>
#include <random>

namespace ser::train {
namespace {

double capped(double s, double cap) { return cap > 0 ? std::min(s, cap) : s; }

}  // namespace

BatchPlan plan_batches(const std::vector<double>& seconds, int batch_size, uint64_t seed, int epoch, bool shuffle,
                       double max_clip_seconds) {
  BatchPlan plan;
  const size_t n = seconds.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  auto by_length = [&](size_t a, size_t b) {
    return capped(seconds[a], max_clip_seconds) < capped(seconds[b], max_clip_seconds);
  };
  const size_t bs = static_cast<size_t>(std::max(1, batch_size));
  std::mt19937_64 rng(seed * 1000003ULL + static_cast<uint64_t>(epoch));
  if (!shuffle) {
    std::stable_sort(order.begin(), order.end(), by_length);
  } else {
    std::shuffle(order.begin(), order.end(), rng);
    const size_t pool = bs * 16;
    for (size_t start = 0; start < n; start += pool)
      std::stable_sort(order.begin() + start, order.begin() + std::min(n, start + pool), by_length);
  }
  for (size_t start = 0; start < n; start += bs)
    plan.batches.emplace_back(order.begin() + start, order.begin() + std::min(n, start + bs));
  // Training: CCC needs two examples, so a trailing batch of one joins the batch before it
  // (same pool, similar length) instead of being skipped while still counted as a step.
  if (shuffle && plan.batches.size() >= 2 && plan.batches.back().size() == 1) {
    const size_t last = plan.batches.back()[0];
    plan.batches.pop_back();
    plan.batches.back().push_back(last);
  }
  if (shuffle) std::shuffle(plan.batches.begin(), plan.batches.end(), rng);
  double used = 0, padded = 0;
  for (const auto& b : plan.batches) {
    double longest = 0;
    for (size_t i : b) {
      used += capped(seconds[i], max_clip_seconds);
      longest = std::max(longest, capped(seconds[i], max_clip_seconds));
    }
    padded += longest * b.size();
  }
  plan.padding_share = padded > 0 ? 1.0 - used / padded : 0;
  return plan;
}

std::vector<std::vector<size_t>> split_micro_batches(const std::vector<size_t>& batch,
                                                     const std::vector<double>& seconds, double max_seconds,
                                                     double max_clip_seconds) {
  if (max_seconds <= 0) return {batch};
  std::vector<size_t> sorted = batch;
  std::stable_sort(sorted.begin(), sorted.end(), [&](size_t a, size_t b) {
    return capped(seconds[a], max_clip_seconds) < capped(seconds[b], max_clip_seconds);
  });
  std::vector<std::vector<size_t>> out;
  std::vector<size_t> cur;
  for (size_t i : sorted) {
    const double longest = capped(seconds[i], max_clip_seconds);  // sorted: i is the longest so far
    if (!cur.empty() && longest * static_cast<double>(cur.size() + 1) > max_seconds) {
      out.push_back(cur);
      cur.clear();
    }
    cur.push_back(i);
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

}  // namespace ser::train
