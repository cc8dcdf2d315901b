#include "api/model_folder.h"

#include <filesystem>

#include <malloc.h>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include "api/cnn14_checkpoint.h"
#include "config/dimensions.h"
#include "config/json_file.h"
#include "error.h"
#include "io/checkpoint_loader.h"
#include "models/emotion_model.h"
#include "models/network_factory.h"

namespace ser {
namespace {

// A config whose transformer needs more numbers than the checkpoint can hold is refused before
// the model is built: a 1 KB config claiming huge sizes allocated gigabytes first. The bound is
// low on purpose (the layers' four attention and two feed-forward matrices only), so that every
// real checkpoint passes.
void check_config_fits_checkpoint(const ModelConfig& c, const std::string& dir, double checkpoint_elements,
                                  const std::string& checkpoint) {
  if (c.is_cnn14()) return;
  const double h = static_cast<double>(c.hidden_size), i = static_cast<double>(c.intermediate_size);
  const double needed = static_cast<double>(c.num_hidden_layers) * (4 * h * h + 2 * h * i);
  if (needed <= checkpoint_elements) return;
  throw Error(ErrorCode::Config, dir + "/config.json: its " + std::to_string(c.num_hidden_layers) +
                                     " layers of width " + std::to_string(c.hidden_size) + " need at least " +
                                     std::to_string(static_cast<long long>(needed / 1e6)) + " M weights, " +
                                     checkpoint + " holds at most " +
                                     std::to_string(static_cast<long long>(checkpoint_elements / 1e6)) +
                                     " M: config.json does not describe these weights");
}

bool wants_head(const ModelConfig& c, const io::NamedTensors& checkpoint) {
  if (c.is_cnn14()) return true;
  for (const auto& a : c.architectures)
    if (a.find("ForSpeechClassification") != std::string::npos || a == "EmotionModel") return true;
  return checkpoint.count("classifier.dense.weight") > 0;
}

// Frees the (random) initial storage of every parameter the checkpoint will replace, keeping
// shapes (a stride-0 view of one zero): the model and the checkpoint then never coexist in full.
void release_replaced(torch::nn::Module& model, const io::NamedTensors& replaced) {
  torch::NoGradGuard no_grad;
  auto release = [&](const std::string& key, at::Tensor& t) {
    if (replaced.count(key)) t.set_data(at::zeros({}, t.options()).expand(t.sizes()));
  };
  for (auto& p : model.named_parameters()) release(p.key(), p.value());
  for (auto& b : model.named_buffers()) release(b.key(), b.value());
  malloc_trim(0);
}

// wav2vec2 / HuBERT keys: old spellings, the base prefix, dropped layers, masked_spec_embed.
io::LoadPolicy wav2vec2_policy(ModelFolder& f, io::NamedTensors& tensors, int num_layers) {
  io::KeyMapping mapping{f.config.base_prefix(), num_layers > 0 ? num_layers : -1};
  auto skipped = io::normalise_keys(tensors, mapping);
  f.skipped_keys.insert(f.skipped_keys.end(), skipped.begin(), skipped.end());
  io::LoadPolicy policy;
  const std::string spec_embed = f.config.base_prefix() + "masked_spec_embed";
  policy.optional.push_back(spec_embed);  // only pre-training checkpoints always carry it
  if (f.new_head) policy.optional.push_back("classifier.");
  auto& model = static_cast<models::EmotionModelImpl&>(*f.model);
  if (!model.backbone->has_masked_spec_embed()) {
    policy.ignorable.push_back(spec_embed);
    if (tensors.count(spec_embed)) f.skipped_keys.push_back(spec_embed);
  }
  return policy;
}

io::LoadPolicy policy_for(ModelFolder& f, io::NamedTensors& tensors, int num_layers) {
  return f.config.is_cnn14() ? cnn14_load_policy(f, tensors) : wav2vec2_policy(f, tensors, num_layers);
}

}  // namespace

PreprocessorConfig default_preprocessor(const ModelConfig& config) {
  PreprocessorConfig pre;
  if (config.is_cnn14()) {
    pre.do_normalize = false;
    pre.sampling_rate = static_cast<int>(config.cnn14.log_mel.sample_rate);
  }
  return pre;
}

ModelFolder load_model_folder(const std::string& dir, int num_layers, bool ensure_head,
                              const std::function<void(ModelConfig&)>& adjust) {
  ModelFolder f;
  f.config = read_model_config(dir + "/config.json");
  if (adjust) adjust(f.config);
  f.pre = read_preprocessor_config(dir + "/preprocessor_config.json", default_preprocessor(f.config));
  if (f.config.is_cnn14() && num_layers != 0)
    throw Error(ErrorCode::Config, "numLayers applies to transformer models, not to " + dir + " (CNN14)");
  if (f.config.is_cnn14() && f.config.cnn14.log_mel.sample_rate != f.pre.sampling_rate)
    throw Error(ErrorCode::Config,
                dir + ": config.json's sample_rate " + std::to_string(f.config.cnn14.log_mel.sample_rate) +
                    " differs from preprocessor_config.json's sampling_rate " + std::to_string(f.pre.sampling_rate));
  if (num_layers < 0 || num_layers > f.config.num_hidden_layers)
    throw Error(ErrorCode::Config, "numLayers " + std::to_string(num_layers) + " is outside 1.." +
                                       std::to_string(f.config.num_hidden_layers));
  if (num_layers > 0) f.config.num_hidden_layers = num_layers;

  // safetensors: names from the header first, data only once the model stands (lower peak memory).
  const std::string safetensors = dir + "/model.safetensors";
  const bool lazy = file_exists(safetensors);
  io::NamedTensors tensors;
  if (lazy) {
    for (const auto& name : io::read_safetensors_names(safetensors)) tensors.emplace(name, at::Tensor());
    // Every stored weight takes at least 2 bytes (F16 / BF16).
    check_config_fits_checkpoint(f.config, dir, static_cast<double>(std::filesystem::file_size(safetensors)) / 2,
                                 "model.safetensors");
  } else {
    tensors = io::read_checkpoint_dir(dir);
    double elements = 0;
    for (const auto& [name, t] : tensors) elements += static_cast<double>(t.numel());
    check_config_fits_checkpoint(f.config, dir, elements, "the checkpoint");
  }
  const bool has_head = wants_head(f.config, tensors);
  f.new_head = ensure_head && !has_head;
  if ((has_head || ensure_head) && f.config.labels.empty()) f.config.labels = kDefaultDimensions;
  // Only an explicit numLayers drops layers; a config that disagrees with its checkpoint is an error.
  f.model = models::build_network(f.config, has_head || ensure_head);
  if (lazy) {
    io::NamedTensors names = tensors;
    ModelFolder probe;  // the key mapping only; its skipped keys are recorded below
    probe.config = f.config;
    probe.model = f.model;
    probe.new_head = f.new_head;
    policy_for(probe, names, num_layers);
    release_replaced(*f.model, names);
    tensors = io::read_safetensors(safetensors);
  }
  const io::LoadPolicy policy = policy_for(f, tensors, num_layers);
  io::load_state(*f.model, tensors, dir, policy);
  return f;
}

ModelFolder new_model(const ModelConfig& config, const PreprocessorConfig& pre, bool with_head, uint64_t seed) {
  ModelFolder f;
  f.config = config;
  f.pre = pre;
  with_head = with_head || config.is_cnn14();
  if (with_head && f.config.labels.empty()) f.config.labels = kDefaultDimensions;
  at::manual_seed(seed);
  f.model = models::build_network(f.config, with_head);
  f.new_head = with_head;
  return f;
}

void create_model_folder(const std::string& dir, const ModelConfig& config, const PreprocessorConfig& pre,
                         bool with_head, uint64_t seed) {
  ModelFolder f = new_model(config, pre, with_head, seed);
  save_model_folder(*f.model, f.config, f.pre, dir);
}

void save_model_folder(const models::SerNetworkImpl& model, const ModelConfig& config_in, const PreprocessorConfig& pre,
                       const std::string& dir) {
  ModelConfig config = config_in;
  if (model.has_head() && !config.is_cnn14()) config.architectures = {"Wav2Vec2ForSpeechClassification"};
  io::NamedTensors tensors;
  for (const auto& p : model.named_parameters()) tensors.emplace(p.key(), p.value().detach().to(at::kCPU).contiguous());
  for (const auto& b : model.named_buffers()) tensors.emplace(b.key(), b.value().detach().to(at::kCPU).contiguous());
  io::write_safetensors(dir + "/model.safetensors", tensors, {{"format", "pt"}});
  write_text_file_atomic(dir + "/config.json", model_config_to_json(config));
  write_text_file_atomic(dir + "/preprocessor_config.json", preprocessor_config_to_json(pre));
}

}  // namespace ser
