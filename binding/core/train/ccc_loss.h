// Concordance correlation coefficient with population moments (as audmetric):
//   CCC = 2 cov(x, y) / (var(x) + var(y) + (mean(x) - mean(y))^2)
// and the paper's multi-task loss: mean over the output dimensions of (1 - CCC), over the batch.
#pragma once
#include <vector>

#include <torch/types.h>

namespace ser::train {

// x, y: (N) or (N, D); returns (D) (or a scalar), differentiable.
torch::Tensor ccc(const torch::Tensor& x, const torch::Tensor& y);
torch::Tensor ccc_loss(const torch::Tensor& pred, const torch::Tensor& gold);
// float64 CCC of plain vectors (NaN below 2 samples).
double ccc_value(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace ser::train
