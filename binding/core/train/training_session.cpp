#include "train/training_session.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <ATen/ATen.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

#include "api/cnn14_checkpoint.h"
#include "error.h"
#include "message_text.h"
#include "runtime/device.h"
#include "runtime/threads.h"
#include "train/batch_plan.h"

namespace ser::train {
namespace {

// Option names as the JS API spells them: the messages reach users of train().
void check_options(const TrainOptions& o) {
  auto bad = [](const std::string& m) { throw Error(ErrorCode::Input, "train: " + m); };
  auto finite = [](double v) { return std::isfinite(v); };
  if (o.out_dir.empty()) bad("outDir is required");
  if (!o.architecture.empty() && o.architecture != "cnn14") bad("architecture must be \"cnn14\" or left out");
  if (!o.resume && o.model_dir.empty() && o.architecture.empty()) bad("model is required (or architecture: \"cnn14\")");
  if (o.train_manifest.empty() || o.dev_manifest.empty()) bad("train and dev manifests are required");
  if (o.optimizer != "adam" && o.optimizer != "sgd") bad("optimizer must be \"adam\" or \"sgd\"");
  if (o.lr_schedule != "constant" && o.lr_schedule != "linear") bad("lrSchedule must be \"constant\" or \"linear\"");
  if (!(o.lr > 0) || !finite(o.lr)) bad("lr must be a finite number > 0");
  if (!(o.momentum >= 0 && o.momentum < 1)) bad("momentum must be in [0, 1)");
  if (!(o.weight_decay >= 0) || !finite(o.weight_decay)) bad("weightDecay must be a finite number >= 0");
  if (o.batch_size < 2 || o.batch_size > 65536)
    bad("batchSize must be an integer in [2, 65536] (CCC needs 2 examples)");
  if (o.epochs < 1 || o.epochs > 1000000) bad("epochs must be an integer in [1, 1000000]");
  if (o.eval_every < 0) bad("evalEvery must be >= 0");
  if (o.num_layers < 0) bad("numLayers must be >= 0");
  if (o.threads < 0 || o.threads > runtime::kMaxThreads)
    bad("threads must be an integer in [0, " + std::to_string(runtime::kMaxThreads) + "]");
  for (auto [name, v] : {std::pair<const char*, double>{"maxBatchSeconds", o.max_batch_seconds},
                         {"maxClipSeconds", o.max_clip_seconds},
                         {"gradClip", o.grad_clip},
                         {"cacheMb", o.cache_mb}})
    if (!(v >= 0) || !finite(v)) bad(std::string(name) + " must be a finite number >= 0");
  for (auto [name, v] : {std::pair<const char*, double>{"dropout", o.dropout},
                         {"layerdrop", o.layerdrop},
                         {"maskTimeProb", o.mask_time_prob}})
    if (v >= 0 ? v > 1 : v != -1) bad(std::string(name) + " must be in [0, 1]");
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainOptions& o, std::vector<at::Tensor> params) {
  if (o.optimizer == "sgd")
    return std::make_unique<torch::optim::SGD>(
        params, torch::optim::SGDOptions(o.lr).momentum(o.momentum).nesterov(true).weight_decay(o.weight_decay));
  return std::make_unique<torch::optim::Adam>(
      params, torch::optim::AdamOptions(o.lr).betas({0.9, 0.999}).eps(1e-8).weight_decay(o.weight_decay));
}

// What the run starts from: its last checkpoint, a fresh CNN14, a PANNs checkpoint or a model folder.
ModelFolder open_model(const TrainOptions& o, const std::string& resume_dir,
                       const std::function<void(ModelConfig&)>& adjust) {
  if (!resume_dir.empty()) return load_model_folder(resume_dir, 0, /*ensure_head=*/true, adjust);
  const bool cnn14 = o.architecture == "cnn14";
  if (cnn14 && o.num_layers != 0)
    throw Error(ErrorCode::Input, "train: numLayers applies to transformer models, not to CNN14");
  if (cnn14 && o.model_dir.empty()) {
    const ModelConfig config = cnn14_config(Cnn14Settings{});
    return new_model(config, default_preprocessor(config), /*with_head=*/true, o.seed);
  }
  if (is_panns_checkpoint_file(o.model_dir)) return import_panns_checkpoint(o.model_dir, o.seed, adjust);
  ModelFolder f = load_model_folder(o.model_dir, o.num_layers, /*ensure_head=*/true, adjust);
  if (cnn14 && !f.config.is_cnn14())
    throw Error(ErrorCode::Input,
                "train: architecture is cnn14 but " + o.model_dir + " holds a " + f.config.model_type + " model");
  return f;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return "[" + s + "]";
}

// A resumed run must be the run that was saved: another seed or batch size would replay other
// batches from the saved position, other label dimensions would train another head.
void check_resume(const TrainingSession& s, const LoopState& saved) {
  const TrainOptions& o = s.options;
  auto bad = [&](const std::string& m) {
    throw Error(ErrorCode::Input,
                "train: resume from " + s.resume_dir + ": " + m + " (start a new outDir to change it)");
  };
  if (saved.seed != o.seed)
    bad("the saved run used seed " + std::to_string(saved.seed) + ", this one asks for " + std::to_string(o.seed));
  if (saved.dimensions != s.train_set.dimensions)
    bad("the saved run trained " + joined(saved.dimensions) + ", the manifest labels " +
        joined(s.train_set.dimensions));
  if (saved.max_clip_seconds >= 0 && saved.max_clip_seconds != o.max_clip_seconds)
    bad("the saved run used maxClipSeconds " + compact_number(saved.max_clip_seconds) + ", this one asks for " +
        compact_number(o.max_clip_seconds));
  if (saved.batch_size > 0 && saved.batch_size != o.batch_size)
    bad("the saved run used batchSize " + std::to_string(saved.batch_size) + ", this one asks for " +
        std::to_string(o.batch_size));
}

}  // namespace

std::unique_ptr<TrainingSession> prepare_session(const TrainOptions& o) {
  check_options(o);
  auto s = std::make_unique<TrainingSession>();
  s->options = o;
  s->device = runtime::parse_device(o.device);
  const bool legacy_bf16 = o.bf16 && o.precision == "fp32";
  s->precision = precision::choose(legacy_bf16 ? "bf16" : o.precision, s->device, /*allow_int8=*/false, "precision");

  // Data first: a bad manifest fails before any model work.
  ManifestRules rules;
  rules.confine_to_folder = o.confine_audio_paths;
  s->train_set = filter_split(read_manifest(o.train_manifest, o.label_range, rules), {"train"});
  s->dev_set = filter_split(read_manifest(o.dev_manifest, o.label_range, rules), {"dev", "validation", "valid"});
  if (s->train_set.examples.size() < 2) throw Error(ErrorCode::Input, o.train_manifest + ": needs at least 2 examples");
  if (s->dev_set.dimensions != s->train_set.dimensions)
    throw Error(ErrorCode::Input, "train: the train manifest labels " + joined(s->train_set.dimensions) +
                                      ", the dev manifest " + joined(s->dev_set.dimensions));

  s->resume_dir = o.resume ? find_checkpoint(o.out_dir, "last") : "";
  if (o.resume && s->resume_dir.empty())
    throw Error(ErrorCode::Checkpoint, o.out_dir + ": nothing to resume (no last checkpoint)");
  LoopState saved;
  if (!s->resume_dir.empty()) {
    saved = read_loop_state(s->resume_dir);
    check_resume(*s, saved);
  }

  at::manual_seed(o.seed);
  auto adjust = [&](ModelConfig& c) {
    if (o.dropout >= 0)
      c.hidden_dropout = c.attention_dropout = c.activation_dropout = c.feat_proj_dropout = c.final_dropout = o.dropout;
    if (o.layerdrop >= 0) c.layerdrop = o.layerdrop;
    if (o.mask_time_prob >= 0) c.mask_time_prob = o.mask_time_prob;
  };
  s->folder = open_model(o, s->resume_dir, adjust);
  const ModelConfig& config = s->folder.config;
  if (config.is_cnn14() && (o.dropout >= 0 || o.layerdrop >= 0 || o.mask_time_prob >= 0))
    throw Error(ErrorCode::Input,
                "train: dropout, layerdrop and maskTimeProb apply to wav2vec2 / HuBERT; CNN14 keeps PANNs' dropouts");
  for (const auto& d : s->train_set.dimensions) {
    auto it = std::find(config.labels.begin(), config.labels.end(), d);
    if (it == config.labels.end())
      throw Error(ErrorCode::Input,
                  "train: the model's head has no output named " + d + " (it has " + joined(config.labels) + ")");
    s->head_index.push_back(it - config.labels.begin());
  }

  auto& model = s->folder.model;
  model->to(s->device);
  model->freeze_feature_encoder(o.freeze_feature_encoder);
  for (auto& p : model->parameters())
    if (p.requires_grad()) s->params.push_back(p);
  // Attention's key bias: softmax ignores a shift shared by all keys, so its gradient is zero in
  // exact arithmetic. Autograd hands it rounding noise (~1e-9) that depends on the summation order,
  // and Adam divides by the gradient's own size, turning noise into steps of up to lr: set to
  // exactly zero, every world size and batch split trains it the same (only weight decay moves it).
  for (const auto& item : model->named_parameters())
    if (item.value().requires_grad() && ends_with(item.key(), "attention.k_proj.bias"))
      s->zero_gradient_params.push_back(item.value());
  s->optimizer = make_optimizer(o, s->params);
  s->head_rows = at::tensor(s->head_index, at::kLong).to(s->device);

  s->state.seed = o.seed;
  s->state.batch_size = o.batch_size;
  s->state.max_clip_seconds = o.max_clip_seconds;
  s->state.dimensions = s->train_set.dimensions;
  if (!s->resume_dir.empty()) {
    s->state = saved;
    s->state.batch_size = o.batch_size;
    s->state.max_clip_seconds = o.max_clip_seconds;
    read_optimizer_state(s->resume_dir, *s->optimizer, s->device);
  }
  s->cache = std::make_unique<AudioCache>(s->folder.pre.sampling_rate, static_cast<size_t>(o.cache_mb * 1024 * 1024));
  for (const auto& e : s->train_set.examples) s->seconds.push_back(e.seconds);
  s->batches_per_epoch = static_cast<int64_t>(
      plan_batches(s->seconds, o.batch_size, o.seed, 0, /*shuffle=*/true, o.max_clip_seconds).batches.size());
  s->total_steps = s->batches_per_epoch * o.epochs;
  return s;
}

double learning_rate(const TrainingSession& s) {
  const TrainOptions& o = s.options;
  if (o.lr_schedule != "linear") return o.lr;
  return o.lr * std::max(0.0, 1.0 - static_cast<double>(s.state.step) / std::max<int64_t>(1, s.total_steps));
}

}  // namespace ser::train
