// What a training run takes, reports and returns. Defaults are the paper's recipe: Adam, lr 1e-4,
// batch 32, 5 epochs, CNN frozen, CCC loss, best checkpoint on dev.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "distributed/options.h"
#include "train/manifest.h"

namespace ser::train {

struct TrainOptions {
  std::string architecture;  // "" = what model_dir holds; "cnn14" = CNN14 (from scratch without model_dir)
  std::string model_dir;     // HF backbone, a fine-tuned model, or a PANNs .pth (ignored on resume)
  std::string train_manifest;
  std::string dev_manifest;
  std::string out_dir;
  LabelRange label_range;
  bool confine_audio_paths = false;  // manifests' audio paths must stay inside their folders
  std::string optimizer = "adam";    // "adam" | "sgd" (Nesterov momentum)
  double lr = 1e-4;
  double momentum = 0.9;  // sgd
  double weight_decay = 0;
  std::string lr_schedule = "constant";  // "constant" (the paper's words) | "linear" (HF Trainer default)
  double grad_clip = 0;                  // max gradient norm; 0 = off
  int batch_size = 32;
  int epochs = 5;
  double max_batch_seconds = 0;  // padded audio per forward pass; beyond it, gradient accumulation
  double max_clip_seconds = 8;   // training crop (random window); 0 = whole clips
  bool freeze_feature_encoder = true;
  int num_layers = 0;  // keep the first N transformer layers; 0 = all
  std::string device = "cpu";
  std::string precision = "fp32";  // "fp32" | "bf16" (mixed, float32 master weights) | "auto"
  bool bf16 = false;               // the older name for precision "bf16"
  uint64_t seed = 0;
  int eval_every = 0;  // also evaluate + checkpoint every N steps; 0 = per epoch only
  bool resume = false;
  int threads = 0;
  double cache_mb = 2048;  // decoded audio kept across epochs
  // Regularisation overrides; negative keeps config.json's value.
  double dropout = -1;  // hidden, attention, activation, feat_proj, final dropouts
  double layerdrop = -1;
  double mask_time_prob = -1;  // 0 turns SpecAugment time masking off
  // Data-parallel across processes: every option keeps its meaning (batch_size is the global batch).
  distributed::DistributedOptions distributed;
};

struct TrainEvent {
  std::string type;  // "start" | "step" | "epoch" | "eval" | "checkpoint" | "warning"
  int epoch = 0;
  int64_t step = 0, total_steps = 0;
  double loss = 0, lr = 0, samples_per_second = 0, audio_seconds_per_second = 0, padding_share = 0;
  std::vector<std::string> dimensions;
  std::vector<double> dev_ccc;  // per dimension
  double dev_ccc_mean = 0;
  bool best = false;
  std::string path, kind;                   // checkpoint folder and "best" | "last"
  std::string precision, precision_reason;  // start: what the run computes in, and why
  std::string message;                      // warning
  // step, data-parallel runs: time this step waited on the other ranks, payload it all-reduced
  double communication_seconds = -1;
  double allreduce_bytes = 0;
};

struct TrainResult {
  std::string best_dir, last_dir;
  std::vector<std::string> dimensions;
  std::vector<double> best_ccc;
  double best_ccc_mean = 0;
  int64_t steps = 0;
  int epochs = 0;
  bool aborted = false;
};

}  // namespace ser::train
