#include "train/distributed_step.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

#include "models/global_batch.h"
#include "train/batch_forward.h"
#include "train/batch_plan.h"
#include "train/ccc_loss.h"

namespace ser::train {
namespace {

// Every rank's predictions of its share (rows `share` each, zero-padded), as the batch's rows.
at::Tensor gather_batch(TrainingSession& s, const at::Tensor& local, size_t n, int64_t dims) {
  const int world = s.group->size();
  const int64_t share = static_cast<int64_t>((n + world - 1) / world);
  auto padded = at::zeros({share, dims}, local.options().device(at::kCPU));
  if (local.size(0) > 0) padded.narrow(0, 0, local.size(0)).copy_(local.detach().cpu());
  auto all = s.group->all_gather(padded);  // (world, share, dims)
  std::vector<at::Tensor> values;
  std::vector<size_t> rows;
  for (int r = 0; r < world; ++r) {
    auto theirs = rank_share(n, r, world);
    values.push_back(all[r].narrow(0, 0, static_cast<int64_t>(theirs.size())));
    rows.insert(rows.end(), theirs.begin(), theirs.end());
  }
  auto batch = at::zeros({static_cast<int64_t>(n), dims}, padded.options());
  return batch.index_copy(0, rows_tensor(rows, at::kCPU), at::cat(values)).to(s.device);
}

// `feed`: the batch positions in the order one process feeds them to the model.
models::GlobalBatch global_batch(TrainingSession& s, const PreparedBatch& batch, const std::vector<size_t>& feed,
                                 const std::vector<size_t>& mine) {
  models::GlobalBatch g;
  g.size = static_cast<int64_t>(feed.size());
  for (size_t k : feed) g.lengths.push_back(static_cast<int64_t>(batch.waves[k].size()));
  std::vector<int64_t> rows;
  for (size_t k : mine) rows.push_back(std::find(feed.begin(), feed.end(), k) - feed.begin());
  g.rows = at::tensor(rows, at::kLong);
  g.sum_over_ranks = [group = s.group](at::Tensor& t) { group->allreduce_sum(t); };
  return g;
}

}  // namespace

std::vector<size_t> rank_share(size_t batch_size, int rank, int world_size) {
  std::vector<size_t> mine;
  for (size_t k = static_cast<size_t>(rank); k < batch_size; k += static_cast<size_t>(world_size)) mine.push_back(k);
  return mine;
}

double distributed_backward(TrainingSession& s, const PreparedBatch& batch, const at::Tensor& gold,
                            const std::vector<double>& seconds) {
  const size_t n = batch.waves.size();
  const int64_t dims = gold.size(1);
  const auto mine = rank_share(n, s.group->rank(), s.group->size());
  std::vector<size_t> all(n);
  for (size_t k = 0; k < n; ++k) all[k] = k;
  // One process would run the batch in one pass: pad every share to the batch's longest clip.
  const auto passes = split_micro_batches(all, seconds, s.options.max_batch_seconds, 0);
  const bool one_pass = passes.size() == 1;
  int64_t pad_to = 0;
  if (one_pass)
    for (const auto& w : batch.waves) pad_to = std::max<int64_t>(pad_to, static_cast<int64_t>(w.size()));
  const auto micro = mine.empty() ? std::vector<std::vector<size_t>>{}
                                  : split_micro_batches(mine, seconds, s.options.max_batch_seconds, 0);
  const auto mine_rows = rows_tensor(mine, s.device);

  if (micro.size() <= 1) {
    // BatchNorm statistics and dropout masks of the whole batch, as one process has them; only
    // when every rank has rows (each BatchNorm is a collective every rank must join).
    std::optional<models::GlobalBatchScope> global;
    if (one_pass && n >= static_cast<size_t>(s.group->size())) global.emplace(global_batch(s, batch, passes[0], mine));
    auto local = mine.empty() ? at::zeros({0, dims}, gold.options()) : forward_part(s, batch, mine, pad_to);
    auto pred = gather_batch(s, local, n, dims);
    if (!mine.empty()) pred = pred.index_copy(0, mine_rows, local);  // the live rows carry the graph
    auto loss = ccc_loss(pred, gold);
    const double value = loss.item<double>();
    if (!std::isfinite(value)) return value;
    s.sync->arm();
    if (!mine.empty()) loss.backward();
    s.sync->finish();
    return value;
  }

  // Accumulation, as train_step's accumulated_backward over this rank's micro-batches.
  auto& model = s.folder.model;
  auto gen = at::globalContext().defaultGenerator(s.device);
  std::vector<at::Tensor> buffers = model->buffers(), before;
  for (auto& b : buffers) before.push_back(b.detach().clone());
  std::vector<at::Tensor> rng_states;
  auto local_all = at::zeros({static_cast<int64_t>(n), dims}, gold.options());
  {
    at::NoGradGuard no_grad;
    for (const auto& part : micro) {
      rng_states.push_back(gen.get_state());
      local_all.index_copy_(0, rows_tensor(part, s.device), forward_part(s, batch, part, 0));
    }
    for (size_t k = 0; k < buffers.size(); ++k) buffers[k].copy_(before[k]);
  }
  auto pred = gather_batch(s, local_all.index_select(0, mine_rows), n, dims);
  pred.requires_grad_(true);
  auto loss = ccc_loss(pred, gold);
  const double value = loss.item<double>();
  if (!std::isfinite(value)) return value;
  loss.backward();
  auto grad = pred.grad();
  auto after = gen.get_state();
  for (size_t m = 0; m < micro.size(); ++m) {
    gen.set_state(rng_states[m]);
    if (m + 1 == micro.size()) s.sync->arm();  // the last micro-batch completes the gradients
    forward_part(s, batch, micro[m], 0).backward(grad.index_select(0, rows_tensor(micro[m], s.device)));
  }
  gen.set_state(after);
  s.sync->finish();
  return value;
}

}  // namespace ser::train
