#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <torch/csrc/autograd/anomaly_mode.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

#include "api/cnn14_checkpoint.h"
#include "api/model_folder.h"
#include "api/torch_errors.h"
#include "error.h"
#include "precision/ops.h"
#include "preprocess/pad_batch.h"
#include "runtime/cpu_block_cache.h"
#include "runtime/device.h"
#include "runtime/threads.h"
#include "runtime/warnings.h"
#include "train/batch_loader.h"
#include "train/batch_plan.h"
#include "train/ccc_loss.h"
#include "train/checkpoint_store.h"
#include "train/evaluator.h"

namespace ser::train {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

void check_options(const TrainOptions& o) {
  auto bad = [](const std::string& m) { throw Error(ErrorCode::Input, m); };
  if (o.out_dir.empty()) bad("outDir is required");
  if (!o.architecture.empty() && o.architecture != "cnn14") bad("architecture must be \"cnn14\" or left out");
  if (!o.resume && o.model_dir.empty() && o.architecture.empty()) bad("model is required (or architecture: \"cnn14\")");
  if (o.train_manifest.empty() || o.dev_manifest.empty()) bad("train and dev manifests are required");
  if (o.optimizer != "adam" && o.optimizer != "sgd") bad("optimizer must be \"adam\" or \"sgd\"");
  if (o.lr_schedule != "constant" && o.lr_schedule != "linear") bad("lrSchedule must be \"constant\" or \"linear\"");
  if (!(o.lr > 0) || o.batch_size < 2 || o.epochs < 1) bad("lr must be > 0, batchSize >= 2 and epochs >= 1");
  if (o.max_batch_seconds < 0 || o.max_clip_seconds < 0 || o.grad_clip < 0) bad("caps must not be negative");
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainOptions& o, std::vector<at::Tensor> params) {
  if (o.optimizer == "sgd")
    return std::make_unique<torch::optim::SGD>(
        params, torch::optim::SGDOptions(o.lr).momentum(o.momentum).nesterov(true).weight_decay(o.weight_decay));
  return std::make_unique<torch::optim::Adam>(
      params, torch::optim::AdamOptions(o.lr).betas({0.9, 0.999}).eps(1e-8).weight_decay(o.weight_decay));
}

// Debian's libtorch 1.13 (oneDNN 2.6.3) computes the CNN's weight gradients nondeterministically
// and sometimes non-finite (seen training a group-norm CNN). Frozen-CNN training (the default) and
// inference are exact and deterministic with it, and 10-15 % faster: only a trained CNN runs on
// ATen's own kernels. The setting is restored afterwards.
class NoMkldnn {
 public:
  explicit NoMkldnn(bool active) : before_(at::globalContext().userEnabledMkldnn()) {
    if (active) at::globalContext().setUserEnabledMkldnn(false);
  }
  ~NoMkldnn() { at::globalContext().setUserEnabledMkldnn(before_); }

 private:
  bool before_;
};

// What the run starts from: its last checkpoint, a fresh CNN14, a PANNs checkpoint or a model folder.
ModelFolder open_model(const TrainOptions& o, const std::string& resume_dir,
                       const std::function<void(ModelConfig&)>& adjust) {
  if (!resume_dir.empty()) return load_model_folder(resume_dir, 0, /*ensure_head=*/true, adjust);
  const bool cnn14 = o.architecture == "cnn14";
  if (cnn14 && o.num_layers != 0) throw Error(ErrorCode::Input, "numLayers applies to transformer models, not to CNN14");
  if (cnn14 && o.model_dir.empty()) {
    const ModelConfig config = cnn14_config(Cnn14Settings{});
    return new_model(config, default_preprocessor(config), /*with_head=*/true, o.seed);
  }
  if (is_panns_checkpoint_file(o.model_dir)) return import_panns_checkpoint(o.model_dir, o.seed, adjust);
  ModelFolder f = load_model_folder(o.model_dir, o.num_layers, /*ensure_head=*/true, adjust);
  if (cnn14 && !f.config.is_cnn14())
    throw Error(ErrorCode::Input, "architecture is cnn14 but " + o.model_dir + " holds a " + f.config.model_type + " model");
  return f;
}

void set_lr(torch::optim::Optimizer& opt, double lr) {
  for (auto& group : opt.param_groups()) group.options().set_lr(lr);
}

}  // namespace

TrainResult run_training(const TrainOptions& o, const std::function<void(const TrainEvent&)>& emit,
                         const std::atomic<bool>& abort) {
  return with_torch_errors([&] {
    check_options(o);
    runtime::tune_process();
    if (o.threads > 0) at::set_num_threads(o.threads); else runtime::apply_threads();
    const c10::Device device = runtime::parse_device(o.device);
    const bool legacy_bf16 = o.bf16 && o.precision == "fp32";
    const auto choice = precision::choose(legacy_bf16 ? "bf16" : o.precision, device, /*allow_int8=*/false, "precision");
    std::error_code ec;
    fs::create_directories(o.out_dir, ec);
    if (ec) throw Error(ErrorCode::Io, "cannot create outDir " + o.out_dir + ": " + ec.message());
    remove_stale_temporaries(o.out_dir);

    // Data first: a bad manifest fails before any model work.
    Manifest train_set = filter_split(read_manifest(o.train_manifest, o.label_range), {"train"});
    Manifest dev_set = filter_split(read_manifest(o.dev_manifest, o.label_range), {"dev", "validation", "valid"});
    if (train_set.examples.size() < 2) throw Error(ErrorCode::Input, o.train_manifest + ": needs at least 2 examples");

    const std::string resume_dir = o.resume ? find_checkpoint(o.out_dir, "last") : "";
    if (o.resume && resume_dir.empty()) throw Error(ErrorCode::Checkpoint, o.out_dir + ": nothing to resume (no last checkpoint)");
    at::manual_seed(o.seed);
    auto adjust = [&](ModelConfig& c) {
      if (o.dropout >= 0)
        c.hidden_dropout = c.attention_dropout = c.activation_dropout = c.feat_proj_dropout = c.final_dropout = o.dropout;
      if (o.layerdrop >= 0) c.layerdrop = o.layerdrop;
      if (o.mask_time_prob >= 0) c.mask_time_prob = o.mask_time_prob;
    };
    ModelFolder folder = open_model(o, resume_dir, adjust);
    if (folder.config.is_cnn14() && (o.dropout >= 0 || o.layerdrop >= 0 || o.mask_time_prob >= 0))
      throw Error(ErrorCode::Input, "dropout, layerdrop and maskTimeProb apply to wav2vec2 / HuBERT; CNN14 keeps PANNs' dropouts");
    auto& model = folder.model;
    NoMkldnn no_mkldnn(!folder.config.is_cnn14() && !o.freeze_feature_encoder);
    std::vector<int64_t> head_index;
    for (const auto& d : train_set.dimensions) {
      auto it = std::find(folder.config.labels.begin(), folder.config.labels.end(), d);
      if (it == folder.config.labels.end()) throw Error(ErrorCode::Input, "the model's head has no output named " + d);
      head_index.push_back(it - folder.config.labels.begin());
    }
    if (dev_set.dimensions != train_set.dimensions)
      throw Error(ErrorCode::Input, "train and dev manifests label different dimensions");
    model->to(device);
    model->freeze_feature_encoder(o.freeze_feature_encoder);
    std::vector<at::Tensor> params;
    for (auto& p : model->parameters())
      if (p.requires_grad()) params.push_back(p);
    auto optimizer = make_optimizer(o, params);

    LoopState state;
    state.seed = o.seed;
    state.dimensions = train_set.dimensions;
    if (!resume_dir.empty()) {
      state = read_loop_state(resume_dir);
      read_optimizer_state(resume_dir, *optimizer);
    }
    AudioCache cache(folder.pre.sampling_rate, static_cast<size_t>(o.cache_mb * 1024 * 1024));
    std::vector<double> seconds;
    for (const auto& e : train_set.examples) seconds.push_back(e.seconds);
    const auto idx = at::tensor(head_index, at::kLong).to(device);
    const int64_t batches_per_epoch =
        static_cast<int64_t>(plan_batches(seconds, o.batch_size, o.seed, 0, true, o.max_clip_seconds).batches.size());
    const int64_t total_steps = batches_per_epoch * o.epochs;

    TrainResult result;
    result.dimensions = train_set.dimensions;
    result.best_dir = (fs::path(o.out_dir) / "best").string();
    result.last_dir = (fs::path(o.out_dir) / "last").string();
    // `at` is where a resume would start (by default: the current state).
    auto checkpoint = [&](const std::string& name, bool with_optimizer, const LoopState* at = nullptr) {
      const LoopState& s = at ? *at : state;
      write_checkpoint(o.out_dir, name, model, folder.config, folder.pre, s, with_optimizer ? optimizer.get() : nullptr);
      TrainEvent e;
      e.type = "checkpoint";
      e.kind = name;
      e.epoch = s.epoch;
      e.step = s.step;
      e.path = (fs::path(o.out_dir) / name).string();
      emit(e);
    };
    auto evaluate = [&](bool end_of_epoch) {
      auto ev = evaluate_manifest(model, folder.config, folder.pre, dev_set, head_index, cache, device, o.batch_size,
                                  o.max_batch_seconds);
      TrainEvent e;
      e.type = end_of_epoch ? "epoch" : "eval";
      e.epoch = state.epoch;
      e.step = state.step;
      e.total_steps = total_steps;
      e.dimensions = train_set.dimensions;
      e.dev_ccc = ev.ccc;
      e.dev_ccc_mean = ev.ccc_mean;
      e.best = std::isfinite(ev.ccc_mean) && ev.ccc_mean > state.best_mean;
      if (e.best) {
        state.best_mean = ev.ccc_mean;
        state.best_ccc = ev.ccc;
        checkpoint("best", false);
      }
      emit(e);
    };

    {
      TrainEvent e;
      e.type = "start";
      e.epoch = state.epoch;
      e.step = state.step;
      e.total_steps = total_steps;
      e.dimensions = train_set.dimensions;
      e.precision = precision::name(choice.plan.precision);
      e.precision_reason = choice.reason;
      emit(e);
    }
    if (!choice.warning.empty()) {
      runtime::warn_once(choice.warning);
      TrainEvent e;
      e.type = "warning";
      e.epoch = state.epoch;
      e.step = state.step;
      e.message = choice.warning;
      emit(e);
    }
    // Mixed precision: float32 master weights and optimiser state; each pass computes in the
    // plan's dtype with bf16 copies of the weights made once per optimiser step (the store sees
    // a weight's version move), shared by the micro-batches of a step. Loss and CCC in float32.
    precision::LowPrecisionWeights weights;
    precision::Scope precision_scope(choice.plan, &weights);
    // Debug aid: SER_TORCH_DETECT_ANOMALY=1 names the backward op that first produced NaN.
    if (const char* a = std::getenv("SER_TORCH_DETECT_ANOMALY"); a && *a == '1') torch::autograd::AnomalyMode::set_enabled(true);
    model->train();
    for (; state.epoch < o.epochs; ++state.epoch, state.next_batch = 0) {
      auto plan = plan_batches(seconds, o.batch_size, o.seed, state.epoch, true, o.max_clip_seconds);
      LoaderSettings settings{true, o.max_clip_seconds, o.seed, state.epoch, 2};
      BatchLoader loader(train_set, folder.config, folder.pre, cache, plan.batches, state.next_batch, settings);
      PreparedBatch batch;
      while (true) {
        if (abort.load()) {
          checkpoint("last", true);
          result.aborted = true;
          break;
        }
        if (!loader.next(batch)) break;
        const auto started = Clock::now();
        double audio_seconds = 0;
        for (auto& w : batch.waves) audio_seconds += static_cast<double>(w.size()) / folder.pre.sampling_rate;
        if (batch.waves.size() >= 2) {
          auto gold = at::empty({static_cast<int64_t>(batch.indices.size()), static_cast<int64_t>(head_index.size())}, at::kFloat);
          for (size_t r = 0; r < batch.indices.size(); ++r)
            for (size_t d = 0; d < head_index.size(); ++d)
              gold[r][d] = train_set.examples[batch.indices[r]].labels[d];
          gold = gold.to(device);
          std::vector<double> secs;
          std::vector<size_t> positions;
          for (size_t k = 0; k < batch.waves.size(); ++k) {
            positions.push_back(k);
            secs.push_back(static_cast<double>(batch.waves[k].size()) / folder.pre.sampling_rate);
          }
          auto micro = split_micro_batches(positions, secs, o.max_batch_seconds, 0);
          auto forward = [&](const std::vector<size_t>& part) {
            std::vector<const std::vector<float>*> items;
            for (size_t k : part) items.push_back(&batch.waves[k]);
            std::vector<int64_t> lengths;
            auto out = model->run(preprocess::pad_batch(items, lengths).to(device), lengths);
            return out.logits.index_select(1, idx).to(at::kFloat);
          };
          auto rows = [&](const std::vector<size_t>& part) {
            return at::tensor(std::vector<int64_t>(part.begin(), part.end()), at::kLong).to(device);
          };
          double loss_value;
          if (micro.size() == 1) {
            auto pred = forward(micro[0]).index_select(0, at::argsort(rows(micro[0])));
            auto loss = ccc_loss(pred, gold);
            loss.backward();
            loss_value = loss.item<double>();
          } else {
            // CCC is not a sum over examples: predict the whole batch without a graph, take the
            // loss gradient w.r.t. the predictions, then re-run each part with a graph (same RNG
            // state, so the same dropout) and backpropagate its slice of that gradient.
            auto gen = at::globalContext().defaultGenerator(device);
            // BatchNorm (CNN14) updates its running statistics on every training-mode pass: keep
            // them as they were before the prediction pass, so that only the graph pass counts.
            std::vector<at::Tensor> buffers = model->buffers(), before;
            for (auto& b : buffers) before.push_back(b.detach().clone());
            std::vector<at::Tensor> rng_states;
            auto pred_all = at::empty({static_cast<int64_t>(positions.size()), static_cast<int64_t>(head_index.size())},
                                      gold.options());
            {
              at::NoGradGuard no_grad;
              for (auto& part : micro) {
                rng_states.push_back(gen.get_state());
                pred_all.index_copy_(0, rows(part), forward(part));
              }
            }
            {
              at::NoGradGuard no_grad;
              for (size_t k = 0; k < buffers.size(); ++k) buffers[k].copy_(before[k]);
            }
            pred_all.requires_grad_(true);
            auto loss = ccc_loss(pred_all, gold);
            loss.backward();
            auto grad = pred_all.grad();
            auto after = gen.get_state();
            for (size_t m = 0; m < micro.size(); ++m) {
              gen.set_state(rng_states[m]);
              forward(micro[m]).backward(grad.index_select(0, rows(micro[m])));
            }
            gen.set_state(after);
            loss_value = loss.item<double>();
          }
          if (o.grad_clip > 0) torch::nn::utils::clip_grad_norm_(params, o.grad_clip);
          const double lr = o.lr_schedule == "linear"
                                ? o.lr * std::max(0.0, 1.0 - static_cast<double>(state.step) / std::max<int64_t>(1, total_steps))
                                : o.lr;
          set_lr(*optimizer, lr);
          optimizer->step();
          // Gradients set to none, not zeroed (PyTorch 2's default): the next backward then hands
          // each parameter its gradient instead of adding it to zeros, two passes over the weights fewer.
          for (auto& p : params) p.mutable_grad() = at::Tensor();
          ++state.step;
          const double secs_taken = std::chrono::duration<double>(Clock::now() - started).count();
          TrainEvent e;
          e.type = "step";
          e.epoch = state.epoch;
          e.step = state.step;
          e.total_steps = total_steps;
          e.loss = loss_value;
          e.lr = lr;
          e.samples_per_second = batch.waves.size() / secs_taken;
          e.audio_seconds_per_second = audio_seconds / secs_taken;
          e.padding_share = plan.padding_share;
          emit(e);
        }
        state.next_batch = batch.number + 1;
        if (o.eval_every > 0 && state.step % o.eval_every == 0) {
          evaluate(false);
          checkpoint("last", true);
        }
      }
      if (result.aborted) break;
      evaluate(true);
      LoopState next_epoch = state;  // a resume starts at the next epoch
      next_epoch.epoch += 1;
      next_epoch.next_batch = 0;
      checkpoint("last", true, &next_epoch);
    }
    weights.clear();
    runtime::release_idle_blocks();
    result.steps = state.step;
    result.epochs = std::min(state.epoch, o.epochs);
    result.best_ccc = state.best_ccc;
    result.best_ccc_mean = state.best_mean;
    return result;
  });
}

}  // namespace ser::train
