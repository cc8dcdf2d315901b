// models/global_batch.h: with the whole batch on one "rank" (the sum over ranks is the identity),
// the synchronised BatchNorm gives libtorch's BatchNorm2d exactly: output, the gradients of the
// input and of weight / bias, running statistics; and the whole-batch dropout draws the mask
// at::dropout draws. The 2-rank case runs end to end in test/distributed.test.ts.
#include <ATen/ATen.h>
#include <torch/nn/modules/batchnorm.h>

#include "models/global_batch.h"
#include "harness.h"

namespace {

float max_diff(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<float>(); }

ser::models::GlobalBatch one_rank(int64_t size, at::Tensor rows) {
  ser::models::GlobalBatch g;
  g.size = size;
  g.rows = std::move(rows);
  g.sum_over_ranks = [](at::Tensor&) {};
  return g;
}

}  // namespace

TEST_CASE("global batch: BatchNorm over one rank's whole batch equals BatchNorm2d, forward and backward") {
  at::manual_seed(4);
  torch::nn::BatchNorm2d plain(5), synced(5);
  {
    at::NoGradGuard no_grad;
    plain->weight.uniform_(0.5, 1.5);
    plain->bias.uniform_(-0.5, 0.5);
    synced->weight.copy_(plain->weight);
    synced->bias.copy_(plain->bias);
  }
  auto x = (at::randn({6, 5, 7, 3}) * 3 + 1).requires_grad_(true);
  auto x2 = x.detach().clone().requires_grad_(true);
  auto upstream = at::randn({6, 5, 7, 3});
  auto y = plain(x);
  (y * upstream).sum().backward();
  at::Tensor y2;
  {
    ser::models::GlobalBatchScope scope(one_rank(6, at::arange(6, at::kLong)));
    y2 = ser::models::global_batch_norm(synced, x2);
    (y2 * upstream).sum().backward();
  }
  CHECK(max_diff(y, y2) < 1e-5);
  CHECK(max_diff(x.grad(), x2.grad()) < 1e-5);
  CHECK(max_diff(plain->weight.grad(), synced->weight.grad()) < 1e-4);
  CHECK(max_diff(plain->bias.grad(), synced->bias.grad()) < 1e-4);
  CHECK(max_diff(plain->running_mean, synced->running_mean) < 1e-6);
  CHECK(max_diff(plain->running_var, synced->running_var) < 1e-5);
  CHECK(synced->num_batches_tracked.item<int64_t>() == 1);
  // Outside a scope, and in eval mode, it is the plain layer.
  synced->eval();
  plain->eval();
  CHECK(max_diff(plain(x.detach()), ser::models::global_batch_norm(synced, x.detach())) < 1e-5);
}

TEST_CASE("global batch: dropout keeps this rank's rows of the mask drawn for the whole batch") {
  auto x = at::rand({4, 3, 5}) + 1;
  at::manual_seed(11);
  auto whole = at::dropout(x, 0.3, true);
  at::manual_seed(11);
  at::Tensor mine;
  {
    // This rank feeds rows 3 and 1 of the whole batch, in that order.
    ser::models::GlobalBatchScope scope(one_rank(4, at::tensor(std::vector<int64_t>{3, 1}, at::kLong)));
    mine = ser::models::global_dropout(x.index_select(0, at::tensor(std::vector<int64_t>{3, 1}, at::kLong)), 0.3, true);
  }
  CHECK(max_diff(mine[0], whole[3]) == 0);
  CHECK(max_diff(mine[1], whole[1]) == 0);
  CHECK((whole == 0).any().item<bool>());  // some were dropped: the comparison means something
  CHECK(max_diff(ser::models::global_dropout(x, 0.3, false), x) == 0);
}
