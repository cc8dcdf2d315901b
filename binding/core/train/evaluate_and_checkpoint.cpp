#include "train/evaluate_and_checkpoint.h"

#include <cmath>
#include <filesystem>

#include <ATen/ATen.h>

#include "error.h"
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

}  // namespace

void save_checkpoint(TrainingSession& s, const std::string& name, bool with_optimizer, const LoopState& at,
                     const EmitEvent& emit) {
  if (!weights_finite(s))
    throw Error(ErrorCode::Diverged, "train: the weights are no longer finite at step " + std::to_string(s.state.step) +
                                         "; training stopped before writing " + name + ", the checkpoints in " +
                                         s.options.out_dir + " are the last good ones");
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

void evaluate_dev(TrainingSession& s, bool end_of_epoch, const EmitEvent& emit) {
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
    save_checkpoint(s, "best", false, s.state, emit);
  }
  emit(e);
}

}  // namespace ser::train
