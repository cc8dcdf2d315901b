#include "train/train_step.h"

#include <cmath>

#include <ATen/ATen.h>
#include <torch/nn/utils/clip_grad.h>

#include "error.h"
#include "train/batch_forward.h"
#include "train/batch_plan.h"
#include "train/ccc_loss.h"
#include "train/distributed_step.h"

namespace ser::train {
namespace {

void set_lr(torch::optim::Optimizer& opt, double lr) {
  for (auto& group : opt.param_groups()) group.options().set_lr(lr);
}

// CCC is not a sum over examples: predict the whole batch without a graph, take the loss
// gradient w.r.t. the predictions, then re-run each part with a graph (same RNG state, so the
// same dropout) and backpropagate its slice of that gradient. Returns the loss.
double accumulated_backward(TrainingSession& s, const PreparedBatch& batch,
                            const std::vector<std::vector<size_t>>& micro, const at::Tensor& gold) {
  auto& model = s.folder.model;
  auto gen = at::globalContext().defaultGenerator(s.device);
  // BatchNorm (CNN14) updates its running statistics on every training-mode pass: keep them as
  // they were before the prediction pass, so that only the graph pass counts.
  std::vector<at::Tensor> buffers = model->buffers(), before;
  for (auto& b : buffers) before.push_back(b.detach().clone());
  std::vector<at::Tensor> rng_states;
  auto pred_all = at::empty({gold.size(0), gold.size(1)}, gold.options());
  {
    at::NoGradGuard no_grad;
    for (auto& part : micro) {
      rng_states.push_back(gen.get_state());
      pred_all.index_copy_(0, rows_tensor(part, s.device), forward_part(s, batch, part));
    }
    for (size_t k = 0; k < buffers.size(); ++k) buffers[k].copy_(before[k]);
  }
  pred_all.requires_grad_(true);
  auto loss = ccc_loss(pred_all, gold);
  const double loss_value = loss.item<double>();
  if (!std::isfinite(loss_value)) return loss_value;  // the caller stops before any backward
  loss.backward();
  auto grad = pred_all.grad();
  auto after = gen.get_state();
  for (size_t m = 0; m < micro.size(); ++m) {
    gen.set_state(rng_states[m]);
    forward_part(s, batch, micro[m]).backward(grad.index_select(0, rows_tensor(micro[m], s.device)));
  }
  gen.set_state(after);
  return loss_value;
}

[[noreturn]] void diverged(const TrainingSession& s, const std::string& what) {
  throw Error(ErrorCode::Diverged, "train: " + what + " at step " + std::to_string(s.state.step + 1) + " (lr " +
                                       std::to_string(s.options.lr) +
                                       " too high?); training stopped, the checkpoints in " + s.options.out_dir +
                                       " are the last good ones");
}

}  // namespace

StepOutcome train_step(TrainingSession& s, const PreparedBatch& batch) {
  const auto& pre = s.folder.pre;
  const size_t n = batch.waves.size(), dims = s.head_index.size();
  StepOutcome out;
  std::vector<double> secs;
  std::vector<size_t> positions;
  for (size_t k = 0; k < n; ++k) {
    positions.push_back(k);
    secs.push_back(static_cast<double>(batch.waves[k].size()) / pre.sampling_rate);
    out.audio_seconds += secs.back();
  }
  auto gold = at::empty({static_cast<int64_t>(n), static_cast<int64_t>(dims)}, at::kFloat);
  auto g = gold.accessor<float, 2>();
  for (size_t r = 0; r < n; ++r)
    for (size_t d = 0; d < dims; ++d) g[r][d] = s.train_set.examples[batch.indices[r]].labels[d];
  gold = gold.to(s.device);

  auto micro = split_micro_batches(positions, secs, s.options.max_batch_seconds, 0);
  if (s.sync) {
    const double waited = s.sync->wait_seconds();
    out.loss = distributed_backward(s, batch, gold, secs);
    out.communication_seconds = s.sync->wait_seconds() - waited;
  } else if (micro.size() == 1) {
    auto pred = forward_part(s, batch, micro[0]).index_select(0, at::argsort(rows_tensor(micro[0], s.device)));
    auto loss = ccc_loss(pred, gold);
    out.loss = loss.item<double>();
    if (std::isfinite(out.loss)) loss.backward();
  } else {
    out.loss = accumulated_backward(s, batch, micro, gold);
  }
  if (!std::isfinite(out.loss)) diverged(s, "the loss is not finite");
  for (auto& p : s.zero_gradient_params)
    if (p.grad().defined()) p.mutable_grad().zero_();
  // The total gradient norm: also what clipping needs. Inf/NaN here would poison the weights.
  std::vector<at::Tensor> norms;
  for (auto& p : s.params)
    if (p.grad().defined()) norms.push_back(p.grad().detach().norm(2.0).to(at::kFloat));
  const double grad_norm = norms.empty() ? 0.0 : at::stack(norms).norm(2.0).item<double>();
  if (!std::isfinite(grad_norm)) diverged(s, "the gradient is not finite");
  if (s.options.grad_clip > 0) torch::nn::utils::clip_grad_norm_(s.params, s.options.grad_clip);
  out.lr = learning_rate(s);
  set_lr(*s.optimizer, out.lr);
  s.optimizer->step();
  // Gradients set to none, not zeroed (PyTorch 2's default): the next backward then hands each
  // parameter its gradient instead of adding it to zeros, two passes over the weights fewer.
  for (auto& p : s.params) p.mutable_grad() = at::Tensor();
  ++s.state.step;
  return out;
}

}  // namespace ser::train
