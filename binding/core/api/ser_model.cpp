#include "api/ser_model.h"

#include <algorithm>
#include <mutex>
#include <numeric>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>

#include "api/model_folder.h"
#include "api/torch_errors.h"
#include "audio/audio_file.h"
#include "config/model_config.h"
#include "config/preprocessor_config.h"
#include "error.h"
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

std::vector<ItemResult> SerModel::run(const std::vector<AudioInput>& inputs, OutputKind kind, int batch_size,
                                      const WaveformTransform& transform) {
  return with_torch_errors([&] {
    Impl& m = *impl_;
    if (kind == OutputKind::Predictions && !m.model->has_head())
      throw Error(
          ErrorCode::NoHead,
          "this model has no emotion head (a backbone checkpoint): use embed() or hiddenStates(), or fine-tune it with train()");
    if (inputs.empty()) return std::vector<ItemResult>{};
    if (batch_size <= 0) batch_size = 1;
    std::lock_guard<std::mutex> lock(m.mutex);
    if (m.threads > 0) at::set_num_threads(m.threads);
    else runtime::apply_threads();
    c10::InferenceMode inference;
    precision::Scope scope(m.plan, &m.weights);

    // Decode and check everything first, so a bad input fails before any compute.
    std::vector<std::vector<float>> waves(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) waves[i] = m.prepare(inputs[i], i, transform);
    // Sorting by length keeps the padding in each batch small.
    std::vector<size_t> order(inputs.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return waves[a].size() < waves[b].size(); });

    std::vector<ItemResult> results(inputs.size());
    for (size_t start = 0; start < order.size(); start += batch_size) {
      const size_t end = std::min(order.size(), start + static_cast<size_t>(batch_size));
      const int64_t B = static_cast<int64_t>(end - start);
      std::vector<const std::vector<float>*> items;
      for (size_t k = start; k < end; ++k) items.push_back(&waves[order[k]]);
      std::vector<int64_t> lengths;
      auto batch = preprocess::pad_batch(items, lengths);
      for (size_t k = start; k < end; ++k) std::vector<float>().swap(waves[order[k]]);
      auto out = m.model->run(batch.to(m.device), lengths);
      at::Tensor values = kind == OutputKind::Predictions  ? out.logits
                          : kind == OutputKind::Embeddings ? out.pooled
                                                           : out.hidden;
      values = values.to(at::kCPU, at::kFloat).contiguous();
      for (int64_t b = 0; b < B; ++b) {
        auto& r = results[order[start + b]];
        at::Tensor row = values[b];
        if (kind == OutputKind::HiddenStates) {
          r.frames = out.frames[b];
          row = row.narrow(0, 0, r.frames).contiguous();
        }
        r.values.assign(row.data_ptr<float>(), row.data_ptr<float>() + row.numel());
      }
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
