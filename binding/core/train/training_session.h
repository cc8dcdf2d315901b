// Everything one training run holds between steps: options, data, model, optimiser, loop state.
// prepare_session() builds it (validation first, so a bad option or manifest fails before any
// model work or any file is written); the step, evaluation and checkpoint code only read and
// update it.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <torch/optim/optimizer.h>

#include "api/model_folder.h"
#include "distributed/gradient_sync.h"
#include "distributed/process_group.h"
#include "precision/precision.h"
#include "train/audio_cache.h"
#include "train/checkpoint_store.h"
#include "train/manifest.h"
#include "train/train_options.h"

namespace ser::train {

struct TrainingSession {
  TrainOptions options;
  c10::Device device = c10::kCPU;
  precision::Choice precision;
  std::string resume_dir;  // empty: a fresh run
  Manifest train_set, dev_set;
  ModelFolder folder;
  std::vector<int64_t> head_index;               // head_index[d]: the model output of manifest dimension d
  at::Tensor head_rows;                          // head_index as a tensor on `device`
  std::vector<at::Tensor> params;                // trained parameters (the frozen CNN left out)
  std::vector<at::Tensor> zero_gradient_params;  // of `params`: gradient zero in exact arithmetic
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::unique_ptr<AudioCache> cache;
  std::vector<double> seconds;  // train clip lengths, for batch planning
  int64_t batches_per_epoch = 0, total_steps = 0;
  LoopState state;
  int64_t last_eval_step = -1;  // a step is evaluated once, even at an epoch's end
  std::vector<double> last_eval_ccc;
  double last_eval_mean = 0;
  double loss_since_eval = 0;  // summed step losses since the last dev evaluation (metrics.jsonl)
  int64_t steps_since_eval = 0;
  // Data-parallel runs only (null in one process): the ranks, and the gradient sum over them.
  std::shared_ptr<distributed::Group> group;
  std::unique_ptr<distributed::GradientSync> sync;
};

// Validates the options, reads both manifests, opens the model (or the checkpoint to resume),
// checks a resume against the saved run, builds the optimiser. Creates nothing on disk.
std::unique_ptr<TrainingSession> prepare_session(const TrainOptions& options);

// The learning rate for the step about to run.
double learning_rate(const TrainingSession& s);

}  // namespace ser::train
