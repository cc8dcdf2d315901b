#include "train/evaluate_and_checkpoint.h"

#include <cmath>
#include <filesystem>

#include <ATen/ATen.h>

#include "error.h"
#include "train/distributed_run.h"
#include "train/evaluator.h"
#include "train/metrics_log.h"

namespace ser::train {
namespace {

bool weights_finite(TrainingSession& s) {
  at::NoGradGuard no_grad;
  for (const auto& p : s.params)
    if (!at::isfinite(p).all().item<bool>()) return false;
  return true;
}

bool predictions_finite(const Evaluation& ev) {
  for (const auto& row : ev.predictions)
    for (double v : row)
      if (!std::isfinite(v)) return false;
  return true;
}

[[noreturn]] void weights_not_finite(const TrainingSession& s, const std::string& name) {
  throw Error(ErrorCode::Diverged, "train: the weights are no longer finite at step " + std::to_string(s.state.step) +
                                       "; training stopped before writing " + name + ", the checkpoints in " +
                                       s.options.out_dir + " are the last good ones");
}

// The one-process save (rank 0's in a data-parallel run).
void save_here(TrainingSession& s, const std::string& name, bool with_optimizer, const LoopState& at,
               const EmitEvent& emit) {
  if (!weights_finite(s)) weights_not_finite(s, name);
  write_checkpoint(s.options.out_dir, name, s.folder.model, s.folder.config, s.folder.pre, at,
                   with_optimizer ? s.optimizer.get() : nullptr, s.device);
  TrainEvent e;
  e.type = "checkpoint";
  e.kind = name;
  e.epoch = at.epoch;
  e.step = at.step;
  e.path = (std::filesystem::path(s.options.out_dir) / name).string();
  emit(e);
}

// The one-process evaluation (rank 0's in a data-parallel run).
void evaluate_here(TrainingSession& s, bool end_of_epoch, const EmitEvent& emit) {
  TrainEvent e;
  e.type = end_of_epoch ? "epoch" : "eval";
  e.epoch = s.state.epoch;
  e.step = s.state.step;
  e.total_steps = s.total_steps;
  e.dimensions = s.train_set.dimensions;
  if (s.last_eval_step == s.state.step) {
    e.dev_ccc = s.last_eval_ccc;
    e.dev_ccc_mean = s.last_eval_mean;
    emit(e);  // already judged for best at this step
    return;
  }
  auto ev = evaluate_manifest(s.folder.model, s.folder.config, s.folder.pre, s.dev_set, s.head_index, *s.cache,
                              s.device, s.options.batch_size, s.options.max_batch_seconds);
  if (!predictions_finite(ev))
    throw Error(ErrorCode::Diverged, "train: the model predicts non-finite values on dev at step " +
                                         std::to_string(s.state.step) + "; training stopped, the checkpoints in " +
                                         s.options.out_dir + " are the last good ones");
  s.last_eval_step = s.state.step;
  s.last_eval_ccc = ev.ccc;
  s.last_eval_mean = ev.ccc_mean;
  e.dev_ccc = ev.ccc;
  e.dev_ccc_mean = ev.ccc_mean;
  MetricsLine line;
  line.step = s.state.step;
  line.epoch = s.state.epoch;
  line.train_loss = s.steps_since_eval > 0 ? s.loss_since_eval / static_cast<double>(s.steps_since_eval) : NAN;
  line.dimensions = s.train_set.dimensions;
  line.dev_ccc = ev.ccc;
  line.dev_ccc_mean = ev.ccc_mean;
  append_metrics(s.options.out_dir, line);
  s.loss_since_eval = 0;
  s.steps_since_eval = 0;
  e.best = std::isfinite(ev.ccc_mean) && ev.ccc_mean > s.state.best_mean;
  if (e.best) {
    s.state.best_mean = ev.ccc_mean;
    s.state.best_ccc = ev.ccc;
    save_here(s, "best", false, s.state, emit);
  }
  emit(e);
}

// Rank 0 evaluated (and maybe saved best): every rank takes its verdict, so that all of them
// hold the same best / last evaluation. Layout: status, best mean, has best, last mean, last
// step, best CCC (dims), last CCC (dims). Status 1: rank 0 stopped on non-finite predictions.
void share_evaluation(TrainingSession& s, bool diverged) {
  const int64_t dims = static_cast<int64_t>(s.train_set.dimensions.size());
  auto t = at::zeros({5 + 2 * dims}, at::kDouble);
  if (s.group->rank() == 0) {
    t[0] = diverged ? 1.0 : 0.0;
    t[1] = s.state.best_mean;
    t[2] = s.state.best_ccc.empty() ? 0.0 : 1.0;
    t[3] = s.last_eval_mean;
    t[4] = static_cast<double>(s.last_eval_step);
    for (int64_t d = 0; d < dims && d < static_cast<int64_t>(s.state.best_ccc.size()); ++d)
      t[5 + d] = s.state.best_ccc[d];
    for (int64_t d = 0; d < dims && d < static_cast<int64_t>(s.last_eval_ccc.size()); ++d)
      t[5 + dims + d] = s.last_eval_ccc[d];
  }
  s.group->broadcast({t}, 0);
  if (s.group->rank() == 0) return;
  auto v = t.accessor<double, 1>();
  if (v[0] != 0)
    throw Error(ErrorCode::Diverged, "train: the model predicts non-finite values on dev at step " +
                                         std::to_string(s.state.step) +
                                         " (found by rank 0); training stopped, the "
                                         "checkpoints in " +
                                         s.options.out_dir + " are the last good ones");
  s.state.best_mean = v[1];
  s.state.best_ccc.clear();
  s.last_eval_ccc.clear();
  for (int64_t d = 0; d < dims; ++d) {
    if (v[2] != 0) s.state.best_ccc.push_back(v[5 + d]);
    s.last_eval_ccc.push_back(v[5 + dims + d]);
  }
  s.last_eval_mean = v[3];
  s.last_eval_step = static_cast<int64_t>(v[4]);
  s.loss_since_eval = 0;
  s.steps_since_eval = 0;
}

}  // namespace

void save_checkpoint(TrainingSession& s, const std::string& name, bool with_optimizer, const LoopState& at,
                     const EmitEvent& emit) {
  if (!s.group) return save_here(s, name, with_optimizer, at, emit);
  // Every rank holds the same weights: each refuses non-finite ones itself, none waits in vain.
  average_buffers(s);
  if (!weights_finite(s)) weights_not_finite(s, name);
  if (s.group->rank() == 0) save_here(s, name, with_optimizer, at, emit);
  s.group->barrier();  // the others go on once the checkpoint is whole
}

void evaluate_dev(TrainingSession& s, bool end_of_epoch, const EmitEvent& emit) {
  if (!s.group) return evaluate_here(s, end_of_epoch, emit);
  average_buffers(s);
  if (s.group->rank() != 0) return share_evaluation(s, false);
  try {
    evaluate_here(s, end_of_epoch, emit);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::Diverged) share_evaluation(s, true);
    throw;
  }
  share_evaluation(s, false);
}

}  // namespace ser::train
