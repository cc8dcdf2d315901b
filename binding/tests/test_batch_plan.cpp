// Batch planning: every example once per epoch, batches of similar length, at least two examples
// per training batch (CCC), deterministic for (seed, epoch), the padding share, and micro-batches
// under a padded-audio cap.
#include <algorithm>
#include <set>
#include <vector>

#include "train/batch_plan.h"
#include "harness.h"

namespace {

using ser::train::plan_batches;
using ser::train::split_micro_batches;
using Batches = std::vector<std::vector<size_t>>;

// n clip lengths, all distinct and in no particular order.
std::vector<double> lengths(size_t n) {
  std::vector<double> s(n);
  for (size_t i = 0; i < n; ++i) s[i] = 0.5 + static_cast<double>((i * 37) % n) * 0.1;
  return s;
}

// Every index in [0, n) exactly once across the batches.
bool is_partition(const Batches& batches, size_t n) {
  std::vector<int> seen(n, 0);
  for (const auto& b : batches)
    for (size_t i : b) {
      if (i >= n) return false;
      ++seen[i];
    }
  return std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; });
}

}  // namespace

TEST_CASE("batch plan: evaluation order is by length, cut into batches of batch_size") {
  const std::vector<double> s{3.0, 1.0, 4.0, 1.5, 9.0, 2.6, 5.3, 0.7};
  auto plan = plan_batches(s, 3, 1, 0, /*shuffle=*/false, 0);
  const Batches want{{7, 1, 3}, {5, 0, 2}, {6, 4}};
  CHECK(plan.batches == want);
  // Padded: 1.5*3 + 4*3 + 9*2 = 34.5 seconds for 27.1 seconds of audio.
  CHECK_NEAR(plan.padding_share, 1.0 - 27.1 / 34.5, 1e-12);
}

TEST_CASE("batch plan: max_clip_seconds caps lengths for sorting and padding") {
  // Capped at 2 s: {2, 1, 2, 2} -> the three capped clips pad to 2 s, nothing to 9 s.
  const std::vector<double> s{9.0, 1.0, 5.0, 2.5};
  auto plan = plan_batches(s, 2, 1, 0, false, 2.0);
  CHECK(plan.batches.size() == 2);
  CHECK(plan.batches[0][0] == 1);  // the only clip shorter than the cap comes first
  CHECK_NEAR(plan.padding_share, 1.0 - 7.0 / 8.0, 1e-12);
  auto whole = plan_batches(s, 2, 1, 0, false, 0);  // no cap: 1,2.5 | 5,9 -> 5 + 18 padded
  CHECK_NEAR(whole.padding_share, 1.0 - 17.5 / 23.0, 1e-12);
}

TEST_CASE("batch plan: a training epoch uses every example once, in ceil(n / batch) batches") {
  for (size_t n : {2u, 8u, 50u, 333u, 1000u}) {
    for (size_t bs : {2u, 4u, 32u}) {
      if (n % bs == 1) continue;  // a single-example tail: next test
      auto plan = plan_batches(lengths(n), static_cast<int>(bs), 7, 3, true, 0);
      CHECK(is_partition(plan.batches, n));
      CHECK(plan.batches.size() == (n + bs - 1) / bs);
      for (const auto& b : plan.batches) CHECK(!b.empty() && b.size() <= bs);
      CHECK(plan.padding_share >= 0 && plan.padding_share < 1);
    }
  }
}

TEST_CASE("batch plan: a training batch never holds a single example (it joins another batch)") {
  for (auto [n, bs] : {std::pair<size_t, int>{9, 4}, {33, 32}, {3, 2}, {65, 16}}) {
    for (int epoch = 0; epoch < 3; ++epoch) {
      auto plan = plan_batches(lengths(n), bs, 1, epoch, true, 0);
      CHECK(is_partition(plan.batches, n));
      CHECK(plan.batches.size() == n / static_cast<size_t>(bs));  // counted steps = steps trained
      size_t larger = 0;
      for (const auto& b : plan.batches) {
        CHECK(b.size() >= 2);
        larger += b.size() == static_cast<size_t>(bs) + 1;
      }
      CHECK(larger == 1);
    }
  }
  // Evaluation needs no CCC per batch: a last batch of one stays as it is.
  auto eval = plan_batches(lengths(9), 4, 1, 0, false, 0);
  CHECK(eval.batches.size() == 3 && eval.batches.back().size() == 1);
}

TEST_CASE("batch plan: shuffled plans depend on seed and epoch only") {
  const auto s = lengths(200);
  auto a = plan_batches(s, 8, 11, 2, true, 0);
  auto b = plan_batches(s, 8, 11, 2, true, 0);
  CHECK(a.batches == b.batches);
  CHECK(a.padding_share == b.padding_share);
  CHECK(plan_batches(s, 8, 11, 3, true, 0).batches != a.batches);  // another epoch
  CHECK(plan_batches(s, 8, 12, 2, true, 0).batches != a.batches);  // another seed
}

TEST_CASE("batch plan: shuffled batches hold similar lengths (sorted pools of 16 batches)") {
  // 64 clips, batch 4: one pool, so the batches are disjoint length ranges, each sorted.
  const auto s = lengths(64);
  auto plan = plan_batches(s, 4, 5, 0, true, 0);
  std::vector<std::pair<double, double>> ranges;
  for (const auto& b : plan.batches) {
    for (size_t k = 1; k < b.size(); ++k) CHECK(s[b[k - 1]] <= s[b[k]]);
    ranges.emplace_back(s[b.front()], s[b.back()]);
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t k = 1; k < ranges.size(); ++k) CHECK(ranges[k - 1].second < ranges[k].first);
  // Sorting is what keeps padding low: 4% here (lengths 0.5..6.8 s in steps of 0.1), where
  // random batches of 4 would pad about a third.
  CHECK(plan.padding_share < 0.05);
  // The batch order itself is shuffled (not shortest first).
  bool ascending = true;
  for (size_t k = 1; k < plan.batches.size(); ++k)
    ascending = ascending && s[plan.batches[k - 1][0]] < s[plan.batches[k][0]];
  CHECK(!ascending);
}

TEST_CASE("batch plan: no examples, no batches") {
  auto plan = plan_batches({}, 4, 1, 0, true, 0);
  CHECK(plan.batches.empty());
  CHECK(plan.padding_share == 0);
}

TEST_CASE("micro-batches: no cap keeps the batch as it is") {
  const std::vector<double> s{0.3, 0.1, 0.2};
  auto micro = split_micro_batches({2, 0, 1}, s, 0, 0);
  CHECK(micro == Batches({{2, 0, 1}}));
}

TEST_CASE("micro-batches: sorted by length, padded audio within the cap") {
  // Lengths of the train_step clips; cap 0.4 s: 0.15+0.2 pad to 0.4, 0.25 and 0.3 go alone.
  const std::vector<double> s{0.3, 0.15, 0.25, 0.2};
  auto micro = split_micro_batches({0, 1, 2, 3}, s, 0.4, 0);
  CHECK(micro == Batches({{1, 3}, {2}, {0}}));
  // A cap that holds everything gives one micro-batch, sorted.
  CHECK(split_micro_batches({0, 1, 2, 3}, s, 1.5, 0) == Batches({{1, 3, 2, 0}}));
}

TEST_CASE("micro-batches: a clip longer than the cap still gets its own micro-batch") {
  const std::vector<double> s{5.0, 0.5, 0.5};
  auto micro = split_micro_batches({0, 1, 2}, s, 1.0, 0);
  CHECK(micro == Batches({{1, 2}, {0}}));
}

TEST_CASE("micro-batches: indices of the batch (not positions), capped lengths, every element once") {
  std::vector<double> s(10, 100.0);
  s[7] = 1.0, s[3] = 3.0, s[5] = 2.0;
  // Capped at 2 s, clips 3 and 5 weigh 2 s each (uncapped, 3 would come last): {7, 3} pads to
  // 2 x 2 s = the 4 s cap, so 5 starts the next micro-batch.
  auto micro = split_micro_batches({3, 7, 5}, s, 4.0, 2.0);
  CHECK(micro == Batches({{7, 3}, {5}}));
  size_t total = 0;
  std::set<size_t> seen;
  for (const auto& m : micro) {
    double longest = 0;
    for (size_t i : m) longest = std::max(longest, std::min(s[i], 2.0)), seen.insert(i), ++total;
    CHECK(longest * static_cast<double>(m.size()) <= 4.0);
  }
  CHECK(total == 3 && seen == std::set<size_t>({3, 5, 7}));
}
