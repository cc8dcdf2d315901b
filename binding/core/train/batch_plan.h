// Which examples go into which batch, deterministically for (seed, epoch). Examples of similar
// length are batched together so that little compute goes to padding.
#pragma once
#include <cstdint>
#include <vector>

namespace ser::train {

struct BatchPlan {
  std::vector<std::vector<size_t>> batches;
  double padding_share = 0;  // padded samples / all samples the model sees
};

// seconds: clip lengths (capped at max_clip_seconds when > 0). shuffle=false (evaluation): sorted
// by length, fixed order. shuffle=true: random pools of 16 batches, sorted inside a pool, cut
// into batches, batch order shuffled; every training batch holds at least 2 examples when
// there are 2 (a last batch of one joins the one before it, which then holds batch_size + 1).
BatchPlan plan_batches(const std::vector<double>& seconds, int batch_size, uint64_t seed, int epoch, bool shuffle,
                       double max_clip_seconds);

// Splits one batch (sorted by length) into micro-batches whose padded audio stays under
// max_seconds (0 = no cap); each holds at least one example.
std::vector<std::vector<size_t>> split_micro_batches(const std::vector<size_t>& batch,
                                                     const std::vector<double>& seconds, double max_seconds,
                                                     double max_clip_seconds);

}  // namespace ser::train
