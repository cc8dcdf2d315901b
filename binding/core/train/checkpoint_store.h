// Checkpoint folders under out_dir ("best", "last"): the model in Hugging Face layout plus the
// optimiser, RNG and loop state for resume. A folder is written whole under a temporary name and
// swapped in by renames, so a crash at any moment leaves the previous checkpoint intact.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include <torch/optim/optimizer.h>

#include "api/model_folder.h"

namespace ser::train {

struct LoopState {
  int epoch = 0;          // epoch in progress
  size_t next_batch = 0;  // first batch of `epoch` not yet trained
  int64_t step = 0;
  double best_mean = -1e300;
  std::vector<double> best_ccc;
  std::vector<std::string> dimensions;
  uint64_t seed = 0;
  int batch_size = 0;            // 0: not recorded (checkpoints written before it was)
  double max_clip_seconds = -1;  // -1: not recorded; with the seed and batch size, fixes the batch plan
};

// Writes <out>/<name> atomically: model files, trainer_state.json, and (when given) optimizer.pt
// with the optimiser state and the RNG states (CPU, and the training device's when it has one).
void write_checkpoint(const std::string& out_dir, const std::string& name, models::SerNetwork& model,
                      const ModelConfig& config, const PreprocessorConfig& pre, const LoopState& state,
                      torch::optim::Optimizer* optimizer, c10::Device device = c10::kCPU);

// Removes temporary folders that a killed run left behind (never a finished checkpoint).
void remove_stale_temporaries(const std::string& out_dir);

// The folder to resume from (<out>/last, or what a crash mid-swap left); empty when none.
std::string find_checkpoint(const std::string& out_dir, const std::string& name);
LoopState read_loop_state(const std::string& checkpoint_dir);
void read_optimizer_state(const std::string& checkpoint_dir, torch::optim::Optimizer& optimizer,
                          c10::Device device = c10::kCPU);

}  // namespace ser::train
