#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include <ATen/ATen.h>

#include "api/torch_errors.h"
#include "error.h"
#include "precision/ops.h"
#include "runtime/cpu_block_cache.h"
#include "runtime/fork_gate.h"
#include "runtime/threads.h"
#include "runtime/warnings.h"
#include "train/batch_loader.h"
#include "train/batch_plan.h"
#include "train/distributed_run.h"
#include "train/evaluate_and_checkpoint.h"
#include "train/metrics_log.h"
#include "train/out_dir_lock.h"
#include "train/process_switches.h"
#include "train/train_step.h"
#include "train/training_session.h"

namespace ser::train {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

void emit_start(const TrainingSession& s, const EmitEvent& emit) {
  TrainEvent e;
  e.type = "start";
  e.epoch = s.state.epoch;
  e.step = s.state.step;
  e.total_steps = s.total_steps;
  e.dimensions = s.train_set.dimensions;
  e.precision = precision::name(s.precision.plan.precision);
  e.precision_reason = s.precision.reason;
  emit(e);
  if (s.precision.warning.empty()) return;
  runtime::warn_once(s.precision.warning);
  TrainEvent w;
  w.type = "warning";
  w.epoch = s.state.epoch;
  w.step = s.state.step;
  w.message = s.precision.warning;
  emit(w);
}

void emit_step(const TrainingSession& s, const StepOutcome& step, size_t examples, double seconds_taken,
               double padding_share, const EmitEvent& emit) {
  TrainEvent e;
  e.type = "step";
  e.epoch = s.state.epoch;
  e.step = s.state.step;
  e.total_steps = s.total_steps;
  e.loss = step.loss;
  e.lr = step.lr;
  e.samples_per_second = static_cast<double>(examples) / seconds_taken;
  e.audio_seconds_per_second = step.audio_seconds / seconds_taken;
  e.padding_share = padding_share;
  if (s.sync) {
    e.communication_seconds = step.communication_seconds;
    e.allreduce_bytes = static_cast<double>(s.sync->bytes_per_step());
  }
  emit(e);
}

// One epoch from s.state.next_batch on; false when `abort` stopped it (outDir/last saved).
bool run_epoch(TrainingSession& s, const EmitEvent& emit, const std::atomic<bool>& abort) {
  const TrainOptions& o = s.options;
  auto plan = plan_batches(s.seconds, o.batch_size, o.seed, s.state.epoch, /*shuffle=*/true, o.max_clip_seconds);
  LoaderSettings settings{true, o.max_clip_seconds, o.seed, s.state.epoch, 2};
  BatchLoader loader(s.train_set, s.folder.config, s.folder.pre, *s.cache, plan.batches, s.state.next_batch, settings);
  PreparedBatch batch;
  while (true) {
    // Data-parallel: every rank stops at the same step when any of them is asked to.
    if (s.group ? s.group->any(abort.load()) : abort.load()) {
      save_checkpoint(s, "last", true, s.state, emit);
      return false;
    }
    if (!loader.next(batch)) return true;
    const auto started = Clock::now();
    const StepOutcome step = [&] {
      runtime::ComputeSection section;  // a fork waits for the step (runtime/fork_gate.h)
      return train_step(s, batch);
    }();
    const double taken = std::chrono::duration<double>(Clock::now() - started).count();
    s.state.next_batch = batch.number + 1;
    s.loss_since_eval += step.loss;
    s.steps_since_eval += 1;
    emit_step(s, step, batch.waves.size(), taken, plan.padding_share, emit);
    // The epoch's last step is evaluated by the epoch's end (with the next epoch's resume point).
    const bool last_of_epoch = s.state.next_batch >= plan.batches.size();
    if (o.eval_every > 0 && s.state.step % o.eval_every == 0 && !last_of_epoch) {
      evaluate_dev(s, /*end_of_epoch=*/false, emit);
      save_checkpoint(s, "last", true, s.state, emit);
    }
  }
}

}  // namespace

TrainResult run_training(const TrainOptions& o, const EmitEvent& emit_all, const std::atomic<bool>& abort) {
  return with_torch_errors([&] {
    // Data-parallel: rank 0 owns outDir and speaks to the user; the others train and wait.
    const bool distributed = o.distributed.enabled;
    const bool rank0 = !distributed || o.distributed.rank == 0;
    const EmitEvent silent = [](const TrainEvent&) {};
    const EmitEvent& emit = rank0 ? emit_all : silent;
    // One run per outDir at a time. A resume locks before it reads the checkpoint (another run may
    // be swapping it); a new run is refused, if at all, before outDir is created.
    std::optional<OutDirLock> lock;
    std::error_code ec;
    if (rank0 && o.resume && fs::is_directory(o.out_dir, ec)) lock.emplace(o.out_dir);
    auto session = distributed ? prepare_distributed_session(o) : prepare_session(o);
    TrainingSession& s = *session;
    runtime::tune_process();
    if (o.threads > 0) at::set_num_threads(runtime::capped_threads(o.threads));
    else if (distributed)  // torchrun sets OMP_NUM_THREADS=1: share this machine's cores instead
      at::set_num_threads(std::max(1, runtime::available_cores() / std::max(1, o.distributed.local_world_size)));
    else runtime::apply_threads();
    if (rank0) {
      if (!lock) lock.emplace(o.out_dir);  // creates outDir
      remove_stale_temporaries(o.out_dir);
      start_metrics(o.out_dir, !s.resume_dir.empty(), s.state.step);
    }
    // Debian's libtorch 1.13 (oneDNN 2.6.3) computes the CNN's weight gradients nondeterministically
    // and sometimes non-finite (seen training a group-norm CNN). Frozen-CNN training (the default)
    // and inference are exact and deterministic with it, and 10-15 % faster: only a trained CNN runs
    // on ATen's own kernels, and other work of the process does too while such a run holds the switch.
    SwitchHold no_mkldnn(mkldnn_off_switch(), !s.folder.config.is_cnn14() && !o.freeze_feature_encoder);
    // Debug aid: SER_TORCH_DETECT_ANOMALY=1 names the backward op that first produced NaN.
    const char* anomaly = std::getenv("SER_TORCH_DETECT_ANOMALY");
    SwitchHold anomaly_mode(anomaly_mode_switch(), anomaly && *anomaly == '1');

    TrainResult result;
    result.dimensions = s.train_set.dimensions;
    result.best_dir = (fs::path(o.out_dir) / "best").string();
    result.last_dir = (fs::path(o.out_dir) / "last").string();
    emit_start(s, emit);
    // Mixed precision: float32 master weights and optimiser state; each pass computes in the
    // plan's dtype with bf16 copies of the weights made once per optimiser step (the store sees
    // a weight's version move), shared by the micro-batches of a step. Loss and CCC in float32.
    precision::LowPrecisionWeights weights;
    precision::Scope precision_scope(s.precision.plan, &weights);
    s.folder.model->train();
    for (; s.state.epoch < o.epochs; ++s.state.epoch, s.state.next_batch = 0) {
      if (!run_epoch(s, emit, abort)) {
        result.aborted = true;
        break;
      }
      evaluate_dev(s, /*end_of_epoch=*/true, emit);
      LoopState next_epoch = s.state;  // a resume starts at the next epoch
      next_epoch.epoch += 1;
      next_epoch.next_batch = 0;
      save_checkpoint(s, "last", true, next_epoch, emit);
    }
    weights.clear();
    runtime::release_idle_blocks();
    result.steps = s.state.step;
    result.epochs = std::min(s.state.epoch, o.epochs);
    result.best_ccc = s.state.best_ccc;
    result.best_ccc_mean = s.state.best_mean;
    return result;
  });
}

}  // namespace ser::train
