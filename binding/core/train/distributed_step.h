// The gradient of one step when the batch is split across ranks: the exact global CCC loss.
// Rank r predicts batch positions r, r+W, r+2W, ...; the predictions of every rank are
// all-gathered (detached), the live local ones put back in their rows, and the existing CCC
// loss taken over the whole batch; each rank backpropagates its rows and GradientSync sums the
// parameter gradients over the ranks while backward runs. Sum over ranks = the one-process
// gradient, because the loss's gradient w.r.t. each prediction is the same everywhere.
#pragma once
#include <vector>

#include <ATen/ATen.h>

#include "train/batch_loader.h"
#include "train/training_session.h"

namespace ser::train {

// gold: (batch, dims) labels of the whole batch; seconds: its clip lengths. Leaves each trained
// parameter's .grad the global gradient; returns the global loss (the same on every rank).
// A non-finite loss returns before any backward (the caller stops, on every rank alike).
double distributed_backward(TrainingSession& s, const PreparedBatch& batch, const at::Tensor& gold,
                            const std::vector<double>& seconds);

// Batch positions this rank predicts.
std::vector<size_t> rank_share(size_t batch_size, int rank, int world_size);

}  // namespace ser::train
