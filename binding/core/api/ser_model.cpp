#include "api/ser_model.h"

#include <algorithm>
#include <mutex>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>

#include "api/model_folder.h"
#include "api/torch_errors.h"
#include "audio/audio_file.h"
#include "config/model_config.h"
#include "config/preprocessor_config.h"
#include "error.h"
#include "message_text.h"
#include "precision/inference_weights.h"
#include "precision/ops.h"
#include "preprocess/pad_batch.h"
#include "preprocess/waveform.h"
#include "runtime/cpu_block_cache.h"
#include "runtime/device.h"
#include "runtime/threads.h"
#include "runtime/warnings.h"

namespace ser {

struct SerModel::Impl {
  ModelConfig config;
  PreprocessorConfig pre;
  models::SerNetwork model;
  precision::Plan plan;
  precision::LowPrecisionWeights weights;  // bf16 casts / int8 packs of `model`
  c10::Device device{c10::kCPU};
  int threads = 0;
  ModelDescription description;
  std::mutex mutex;  // one forward at a time: concurrent calls would only fight for the cores

  std::vector<float> prepare(const AudioInput& in, size_t index, const WaveformTransform& transform) const {
    auto wave = decode(in, index, transform);
    check_attention_memory(wave.size(), in.path.empty() ? "input " + std::to_string(index) : in.path);
    return wave;
  }

  // Self-attention holds (heads, frames, frames) scores a few times over: memory grows with the
  // square of an input's length (a 4-minute clip asked for terabytes on a model with short conv
  // strides). Refused before any of it is allocated, over half this machine's memory.
  void check_attention_memory(size_t samples, const std::string& what) const {
    if (config.is_cnn14()) return;  // convolutions only: linear in the length
    const double frames = static_cast<double>(config.frames_for(static_cast<int64_t>(samples)));
    const double bytes = 3.0 * 4.0 * static_cast<double>(config.num_attention_heads) * frames * frames;
    const double budget = runtime::physical_memory_bytes() / 2;
    if (bytes <= budget) return;
    const double seconds = static_cast<double>(samples) / pre.sampling_rate;
    throw Error(ErrorCode::Input, what + " (" + compact_number(seconds) + " s) would need about " +
                                      compact_number(bytes / 1e9) +
                                      " GB for self-attention, which grows with the square of the length; this "
                                      "machine allows " +
                                      compact_number(budget / 1e9) +
                                      " GB: score long recordings in windows with predictLong() / predictStream()");
  }

  std::vector<float> decode(const AudioInput& in, size_t index, const WaveformTransform& transform) const {
    const int rate = pre.sampling_rate;
    if (!transform) {
      if (!in.path.empty())
        return preprocess::prepare_waveform(audio::load_mono(in.path, rate), rate, config, pre, in.path);
      return preprocess::prepare_waveform(in.samples, in.sample_rate, config, pre, "input " + std::to_string(index));
    }
    // The transform sees checked audio at the model's rate; the model's own checks (length) and
    // normalisation then apply to what it returns.
    const bool file = !in.path.empty();
    const std::string what = file ? in.path : "input " + std::to_string(index);
    std::vector<float> wave =
        file ? audio::load_mono(in.path, rate) : preprocess::checked_resampled(in.samples, in.sample_rate, rate, what);
    const std::string key = !in.key.empty() ? in.key : file ? in.path : "#" + std::to_string(index);
    wave = transform(std::move(wave), rate, key);
    return preprocess::prepare_waveform(std::move(wave), rate, config, pre, what);
  }
};

SerModel::SerModel() : impl_(std::make_unique<Impl>()) {}
SerModel::~SerModel() {
  impl_.reset();
  runtime::release_idle_blocks();  // its activations' cached blocks go back with it
}

std::shared_ptr<SerModel> SerModel::load(const std::string& dir, const ModelOptions& options) {
  return with_torch_errors([&] {
    runtime::tune_process();
    std::shared_ptr<SerModel> self(new SerModel());
    Impl& m = *self->impl_;
    m.device = runtime::parse_device(options.device);  // first: bad options fail before any I/O
    const auto choice = precision::choose(options.precision, m.device, /*allow_int8=*/true, "precision");
    m.plan = choice.plan;
    m.threads = options.threads;
    ModelFolder folder = load_model_folder(dir, options.num_layers, /*ensure_head=*/false);
    m.config = folder.config;
    m.pre = folder.pre;
    m.model = folder.model;
    m.description.skipped_keys = folder.skipped_keys;
    m.model->eval();
    m.model->to(m.device);
    const bool head = m.model->has_head();

    auto& d = m.description;
    d.model_type = m.config.model_type;
    d.architectures = m.config.architectures;
    d.has_head = head;
    if (head) d.labels = m.config.labels;
    d.hidden_size = m.config.hidden_size;
    d.num_layers = m.config.num_hidden_layers;
    for (const auto& p : m.model->parameters()) d.num_parameters += p.numel();
    d.sampling_rate = m.pre.sampling_rate;
    d.min_samples = m.config.min_samples();
    d.device = m.device.str();
    d.precision = precision::name(m.plan.precision);
    d.precision_reason = choice.reason;
    if (!choice.warning.empty()) {
      d.warnings.push_back(choice.warning);
      runtime::warn_once(choice.warning);
    }
    // Counted above in float32; from here the weights take the form the precision runs with.
    precision::prepare_for_inference(*m.model, m.plan, m.model->float32_modules(), m.weights);
    return self;
  });
}

const ModelDescription& SerModel::description() const { return impl_->description; }

void SerModel::check_output(OutputKind kind) const {
  if (kind == OutputKind::Predictions && !impl_->model->has_head())
    throw Error(
        ErrorCode::NoHead,
        "this model has no emotion head (a backbone checkpoint): use embed() or hiddenStates(), or fine-tune it with train()");
}

std::vector<ItemResult> SerModel::run(const std::vector<AudioInput>& inputs, OutputKind kind, int batch_size,
                                      const WaveformTransform& transform) {
  check_output(kind);
  if (inputs.empty()) return std::vector<ItemResult>{};
  // Decode and check everything first, so a bad input fails before any compute.
  std::vector<PreparedCall> calls(1);
  calls[0].waves = prepare(inputs, transform);
  calls[0].kind = kind;
  return std::move(run_prepared(std::move(calls), PassLimits{std::max(batch_size, 1), 0})[0]);
}

std::vector<std::vector<float>> SerModel::prepare(const std::vector<AudioInput>& inputs,
                                                  const WaveformTransform& transform) const {
  return with_torch_errors([&] {
    std::vector<std::vector<float>> waves(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) waves[i] = impl_->prepare(inputs[i], i, transform);
    return waves;
  });
}

namespace {

std::mutex& float32_cpu_mutex() {
  static std::mutex mutex;
  return mutex;
}

// Where one input's result goes: call c, item i.
struct Slot {
  size_t call, item;
};

}  // namespace

std::vector<std::vector<ItemResult>> SerModel::run_prepared(std::vector<PreparedCall> calls, const PassLimits& limits) {
  return with_torch_errors([&] {
    Impl& m = *impl_;
    for (const auto& c : calls) check_output(c.kind);
    std::vector<std::vector<ItemResult>> results(calls.size());
    std::vector<Slot> slots;
    for (size_t c = 0; c < calls.size(); ++c) {
      results[c].resize(calls[c].waves.size());
      for (size_t i = 0; i < calls[c].waves.size(); ++i) slots.push_back({c, i});
    }
    if (slots.empty()) return results;
    auto wave = [&](const Slot& s) -> std::vector<float>& { return calls[s.call].waves[s.item]; };
    // Sorting by length keeps the padding in each pass small.
    std::stable_sort(slots.begin(), slots.end(),
                     [&](const Slot& a, const Slot& b) { return wave(a).size() < wave(b).size(); });
    const size_t max_items = static_cast<size_t>(std::max(limits.max_items, 1));

    std::lock_guard<std::mutex> lock(m.mutex);
    // Float32 passes of different models take turns: their products go through OpenBLAS, whose
    // pthread build has one thread pool for the process, and two at once fought over it (0.61x of
    // taking turns, bench/concurrent.js). bf16 / int8 run on oneDNN with each model's own OpenMP
    // team, side by side (1.15x).
    std::unique_lock<std::mutex> float32_turn;
    if (m.plan.precision == precision::Precision::Float32 && m.device.is_cpu())
      float32_turn = std::unique_lock<std::mutex>(float32_cpu_mutex());
    if (m.threads > 0) at::set_num_threads(runtime::capped_threads(m.threads));
    else runtime::apply_threads();
    c10::InferenceMode inference;
    precision::Scope scope(m.plan, &m.weights);

    for (size_t start = 0; start < slots.size();) {
      // The next pass: as many of the following (longer or equal) inputs as the limits allow.
      size_t end = start + 1;
      while (end < slots.size() && end - start < max_items &&
             (limits.max_padded_samples <= 0 ||
              static_cast<int64_t>(end - start + 1) * static_cast<int64_t>(wave(slots[end]).size()) <=
                  limits.max_padded_samples))
        ++end;
      const int64_t B = static_cast<int64_t>(end - start);
      std::vector<const std::vector<float>*> items;
      for (size_t k = start; k < end; ++k) items.push_back(&wave(slots[k]));
      std::vector<int64_t> lengths;
      auto batch = preprocess::pad_batch(items, lengths);
      for (size_t k = start; k < end; ++k) std::vector<float>().swap(wave(slots[k]));
      auto out = m.model->run(batch.to(m.device), lengths);
      // Each input takes what its own call asked for; the pass computes all of them anyway.
      at::Tensor logits = out.logits.defined() ? out.logits.to(at::kCPU, at::kFloat).contiguous() : at::Tensor();
      at::Tensor pooled, hidden;
      for (int64_t b = 0; b < B; ++b) {
        const Slot& s = slots[start + b];
        const OutputKind kind = calls[s.call].kind;
        at::Tensor row;
        ItemResult& r = results[s.call][s.item];
        if (kind == OutputKind::Predictions) {
          row = logits[b];
        } else if (kind == OutputKind::Embeddings) {
          if (!pooled.defined()) pooled = out.pooled.to(at::kCPU, at::kFloat).contiguous();
          row = pooled[b];
        } else {
          if (!hidden.defined()) hidden = out.hidden.to(at::kCPU, at::kFloat).contiguous();
          r.frames = out.frames[b];
          row = hidden[b].narrow(0, 0, r.frames).contiguous();
        }
        // Finite input, non-finite output: weights that overflow float32 (e.g. 3e38), never a silent NaN.
        if (!at::isfinite(row).all().item<bool>())
          throw Error(ErrorCode::Checkpoint,
                      "the model's output is not finite (NaN or infinite) for an input of " +
                          compact_number(static_cast<double>(lengths[b]) / m.pre.sampling_rate) +
                          " s: its weights overflow float32 on it (the checkpoint holds huge values)");
        r.values.assign(row.data_ptr<float>(), row.data_ptr<float>() + row.numel());
      }
      start = end;
    }
    return results;
  });
}

void SerModel::save(const std::string& dir) const {
  with_torch_errors([&] {
    const Impl& m = *impl_;
    if (m.plan.precision != precision::Precision::Float32)
      throw Error(ErrorCode::Input, std::string("save(): this model was loaded with precision ") +
                                        precision::name(m.plan.precision) +
                                        ", which rounds its weights; load it with precision \"fp32\" to save it");
    save_model_folder(*m.model, m.config, m.pre, dir);
    return 0;
  });
}

}  // namespace ser
