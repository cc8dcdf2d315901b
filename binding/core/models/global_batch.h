// One rank's share of a data-parallel global batch, for the layers whose training forward looks
// across examples or draws random numbers: BatchNorm takes its statistics over every rank's rows
// (SyncBatchNorm), dropout and SpecAugment draw their masks for the whole batch and keep this
// rank's rows, and wav2vec2 pads its frames to the whole batch's longest (the masks' shapes). N
// ranks then compute exactly what one process computes on the whole batch (CNN14's BatchNorm and
// fixed dropouts; wav2vec2's dropouts, LayerDrop and SpecAugment). Outside a scope, or in eval
// mode, all are the plain layers.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include <ATen/ATen.h>
#include <torch/nn/modules/batchnorm.h>

namespace ser::models {

struct GlobalBatch {
  int64_t size = 0;  // examples in the whole batch
  // (local,) int64, on the CPU: the row of the whole batch (in the order one process feeds it to
  // the model) of each example this rank feeds, in its feeding order.
  at::Tensor rows;
  // Samples of each example of the whole batch, in feeding order (wav2vec2's frame counts).
  std::vector<int64_t> lengths;
  // Sums a CPU float tensor over the ranks, in place; every rank calls it the same times in the same order.
  std::function<void(at::Tensor&)> sum_over_ranks;
};

// While alive, global_batch_norm() and global_dropout() act on `batch` (forward and backward both: keep it
// alive until backward has run). One at a time per process (a data-parallel rank trains once).
class GlobalBatchScope {
 public:
  explicit GlobalBatchScope(GlobalBatch batch);
  ~GlobalBatchScope();
  GlobalBatchScope(const GlobalBatchScope&) = delete;
  GlobalBatchScope& operator=(const GlobalBatchScope&) = delete;

 private:
  GlobalBatch batch_;
};

// The batch of the scope in force, or null (a single process; inference).
const GlobalBatch* global_batch_in_scope();

// bn(x) for x (B, C, ...); in training mode under a scope, with the whole batch's statistics.
at::Tensor global_batch_norm(torch::nn::BatchNorm2d& bn, const at::Tensor& x);
// at::dropout(x, p, training); in training mode under a scope, the whole batch's mask.
at::Tensor global_dropout(const at::Tensor& x, double p, bool training);

}  // namespace ser::models
