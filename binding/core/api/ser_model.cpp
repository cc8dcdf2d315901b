#include "api/ser_model.h"

#include <algorithm>
#include <mutex>
#include <numeric>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>

#include "api/torch_errors.h"
#include "audio/audio_file.h"
#include "config/json_file.h"
#include "config/model_config.h"
#include "config/preprocessor_config.h"
#include "error.h"
#include "io/checkpoint_loader.h"
#include "models/emotion_model.h"
#include "preprocess/waveform.h"
#include "runtime/device.h"
#include "runtime/threads.h"

namespace ser {

struct SerModel::Impl {
  ModelConfig config;
  PreprocessorConfig pre;
  models::EmotionModel model{nullptr};
  c10::Device device{c10::kCPU};
  int threads = 0;
  ModelDescription description;
  std::mutex mutex;  // one forward at a time: concurrent calls would only fight for the cores

  std::vector<float> prepare(const AudioInput& in, size_t index) const {
    if (!in.path.empty())
      return preprocess::prepare_waveform(audio::load_mono(in.path, pre.sampling_rate), pre.sampling_rate, config, pre, in.path);
    return preprocess::prepare_waveform(in.samples, in.sample_rate, config, pre, "input " + std::to_string(index));
  }
};

namespace {

bool wants_head(const ModelConfig& c, const io::NamedTensors& tensors) {
  for (const auto& a : c.architectures)
    if (a.find("ForSpeechClassification") != std::string::npos || a == "EmotionModel") return true;
  return tensors.count("classifier.dense.weight") > 0;
}

}  // namespace

SerModel::SerModel() : impl_(std::make_unique<Impl>()) {}
SerModel::~SerModel() = default;

std::shared_ptr<SerModel> SerModel::load(const std::string& dir, const ModelOptions& options) {
  return with_torch_errors([&] {
    runtime::tune_process();
    std::shared_ptr<SerModel> self(new SerModel());
    Impl& m = *self->impl_;
    m.device = runtime::parse_device(options.device);  // first: a bad device fails before any I/O
    m.threads = options.threads;
    m.config = read_model_config(dir + "/config.json");
    m.pre = read_preprocessor_config(dir + "/preprocessor_config.json");
    const int64_t layers_in_checkpoint = m.config.num_hidden_layers;
    if (options.num_layers < 0 || options.num_layers > layers_in_checkpoint)
      throw Error(ErrorCode::Config, "numLayers " + std::to_string(options.num_layers) + " is outside 1.." +
                                         std::to_string(layers_in_checkpoint));
    if (options.num_layers > 0) m.config.num_hidden_layers = options.num_layers;

    auto tensors = io::read_checkpoint_dir(dir);
    const bool head = wants_head(m.config, tensors);
    // Only an explicit numLayers drops layers; a config that disagrees with its checkpoint is an error.
    io::KeyMapping mapping{m.config.base_prefix(), options.num_layers > 0 ? options.num_layers : -1};
    m.description.skipped_keys = io::normalise_keys(tensors, mapping);
    m.model = models::EmotionModel(m.config, head);
    io::load_state(*m.model, tensors, dir);
    tensors.clear();
    m.model->eval();
    m.model->to(m.device);

    auto& d = m.description;
    d.model_type = m.config.model_type;
    d.architectures = m.config.architectures;
    d.has_head = head;
    if (head) d.labels = m.config.labels.empty() ? std::vector<std::string>{"arousal", "dominance", "valence"} : m.config.labels;
    d.hidden_size = m.config.hidden_size;
    d.num_layers = m.config.num_hidden_layers;
    for (const auto& p : m.model->parameters()) d.num_parameters += p.numel();
    d.sampling_rate = m.pre.sampling_rate;
    d.min_samples = m.config.min_samples();
    d.device = m.device.str();
    return self;
  });
}

const ModelDescription& SerModel::description() const { return impl_->description; }

std::vector<ItemResult> SerModel::run(const std::vector<AudioInput>& inputs, OutputKind kind, int batch_size) {
  return with_torch_errors([&] {
    Impl& m = *impl_;
    if (kind == OutputKind::Predictions && !m.model->has_head())
      throw Error(ErrorCode::NoHead, "this model has no emotion head (a backbone checkpoint): use embed() or hiddenStates(), or fine-tune it with train()");
    if (inputs.empty()) return std::vector<ItemResult>{};
    if (batch_size <= 0) batch_size = 1;
    std::lock_guard<std::mutex> lock(m.mutex);
    if (m.threads > 0) at::set_num_threads(m.threads); else runtime::apply_threads();
    c10::InferenceMode inference;

    // Decode and check everything first, so a bad input fails before any compute.
    std::vector<std::vector<float>> waves(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) waves[i] = m.prepare(inputs[i], i);
    // Sorting by length keeps the padding in each batch small.
    std::vector<size_t> order(inputs.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return waves[a].size() < waves[b].size(); });

    std::vector<ItemResult> results(inputs.size());
    for (size_t start = 0; start < order.size(); start += batch_size) {
      const size_t end = std::min(order.size(), start + static_cast<size_t>(batch_size));
      const int64_t B = static_cast<int64_t>(end - start);
      int64_t max_len = 0;
      std::vector<int64_t> lengths;
      for (size_t k = start; k < end; ++k) {
        lengths.push_back(static_cast<int64_t>(waves[order[k]].size()));
        max_len = std::max(max_len, lengths.back());
      }
      auto batch = at::zeros({B, max_len}, at::kFloat);
      for (int64_t b = 0; b < B; ++b) {
        auto& w = waves[order[start + b]];
        std::copy(w.begin(), w.end(), batch[b].data_ptr<float>());
        std::vector<float>().swap(w);
      }
      auto out = m.model->forward(batch.to(m.device), lengths);
      at::Tensor values = kind == OutputKind::Predictions ? out.logits
                          : kind == OutputKind::Embeddings ? out.pooled
                                                            : out.backbone.hidden;
      values = values.to(at::kCPU, at::kFloat).contiguous();
      for (int64_t b = 0; b < B; ++b) {
        auto& r = results[order[start + b]];
        at::Tensor row = values[b];
        if (kind == OutputKind::HiddenStates) {
          r.frames = out.backbone.frames[b];
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
    ModelConfig config = m.config;
    if (m.model->has_head()) {
      config.architectures = {"Wav2Vec2ForSpeechClassification"};
      config.labels = m.description.labels;
    }
    io::NamedTensors tensors;
    for (const auto& p : m.model->named_parameters()) tensors.emplace(p.key(), p.value().detach().to(at::kCPU));
    io::write_safetensors(dir + "/model.safetensors", tensors, {{"format", "pt"}});
    write_text_file_atomic(dir + "/config.json", model_config_to_json(config));
    write_text_file_atomic(dir + "/preprocessor_config.json", preprocessor_config_to_json(m.pre));
    return 0;
  });
}

}  // namespace ser
