#include "config/model_config.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "config/dimensions.h"
#include "config/json_file.h"
#include "config/untrusted_json.h"
#include "error.h"

namespace ser {
namespace {

using nlohmann::json;

// Typed field readers: absent keys keep the default, present keys must have the right type.
void get_int(const json& j, const char* key, int64_t& out, const std::string& src) {
  if (!j.contains(key) || j[key].is_null()) return;
  if (!j[key].is_number_integer()) fail_at(ErrorCode::Config, src, std::string("'") + key + "' must be an integer");
  out = j[key].get<int64_t>();
}
void get_double(const json& j, const char* key, double& out, const std::string& src) {
  if (!j.contains(key) || j[key].is_null()) return;
  if (!j[key].is_number()) fail_at(ErrorCode::Config, src, std::string("'") + key + "' must be a number");
  out = j[key].get<double>();
}
void get_bool(const json& j, const char* key, bool& out, const std::string& src) {
  if (!j.contains(key) || j[key].is_null()) return;
  if (!j[key].is_boolean()) fail_at(ErrorCode::Config, src, std::string("'") + key + "' must be true or false");
  out = j[key].get<bool>();
}
void get_string(const json& j, const char* key, std::string& out, const std::string& src) {
  if (!j.contains(key) || j[key].is_null()) return;
  if (!j[key].is_string()) fail_at(ErrorCode::Config, src, std::string("'") + key + "' must be a string");
  out = j[key].get<std::string>();
}
void get_int_list(const json& j, const char* key, std::vector<int64_t>& out, const std::string& src) {
  if (!j.contains(key) || j[key].is_null()) return;
  if (!j[key].is_array()) fail_at(ErrorCode::Config, src, std::string("'") + key + "' must be a list of integers");
  out.clear();
  for (const auto& v : j[key]) {
    if (!v.is_number_integer())
      fail_at(ErrorCode::Config, src, std::string("'") + key + "' must be a list of integers");
    out.push_back(v.get<int64_t>());
  }
}

constexpr int64_t kMaxConfigSize = 16384;

const std::vector<std::string> kActivations{"gelu", "gelu_new", "relu", "swish", "silu", "tanh"};

void validate(const ModelConfig& c, const std::string& src) {
  // Sizes are bounded before anything is built: a 1 KB config claiming 1e9 layers allocated
  // gigabytes before failing. The bounds are far above any published wav2vec2 / HuBERT model
  // (XLS-R 2B: 48 layers, 1920 wide, 7680 intermediate).
  auto in_range = [&](int64_t v, int64_t max, const char* name) {
    if (v <= 0 || v > max)
      fail_at(ErrorCode::Config, src,
              std::string("'") + name + "' must lie in 1.." + std::to_string(max) + ", got " + std::to_string(v));
  };
  auto positive = [&](int64_t v, const char* name) { in_range(v, kMaxConfigSize, name); };
  in_range(c.hidden_size, 16384, "hidden_size");
  in_range(c.num_hidden_layers, 512, "num_hidden_layers");
  in_range(c.num_attention_heads, 1024, "num_attention_heads");
  in_range(c.intermediate_size, 65536, "intermediate_size");
  in_range(c.num_conv_pos_embeddings, 4096, "num_conv_pos_embeddings");
  positive(c.num_conv_pos_embedding_groups, "num_conv_pos_embedding_groups");
  if (c.conv_dim.size() > 64) fail_at(ErrorCode::Config, src, "'conv_dim' lists more than 64 layers");
  for (size_t i = 0; i < c.conv_dim.size() && i < c.conv_kernel.size() && i < c.conv_stride.size(); ++i) {
    in_range(c.conv_dim[i], 16384, "conv_dim");
    in_range(c.conv_kernel[i], 4096, "conv_kernel");
    in_range(c.conv_stride[i], 4096, "conv_stride");
  }
  // Whole-model size: 4 G parameters (16 GB in float32) is beyond what this package serves.
  const double layer = 4.0 * c.hidden_size * c.hidden_size + 2.0 * c.hidden_size * c.intermediate_size;
  if (layer * c.num_hidden_layers > 4e9)
    fail_at(
        ErrorCode::Config, src,
        "the transformer would hold " + std::to_string(static_cast<long long>(layer * c.num_hidden_layers / 1e6)) +
            " M parameters (more than 4000 M): hidden_size, intermediate_size and num_hidden_layers together are too large");
  if (c.hidden_size % c.num_attention_heads != 0)
    fail_at(ErrorCode::Config, src,
            "hidden_size " + std::to_string(c.hidden_size) + " is not divisible by num_attention_heads " +
                std::to_string(c.num_attention_heads));
  if (c.hidden_size % c.num_conv_pos_embedding_groups != 0)
    fail_at(ErrorCode::Config, src, "hidden_size is not divisible by num_conv_pos_embedding_groups");
  if (c.conv_dim.empty()) fail_at(ErrorCode::Config, src, "'conv_dim' is empty");
  if (c.conv_dim.size() != c.conv_kernel.size() || c.conv_dim.size() != c.conv_stride.size())
    fail_at(ErrorCode::Config, src,
            "conv_dim, conv_kernel and conv_stride have different lengths (" + std::to_string(c.conv_dim.size()) +
                ", " + std::to_string(c.conv_kernel.size()) + ", " + std::to_string(c.conv_stride.size()) + ")");
  if (c.feat_extract_norm != "group" && c.feat_extract_norm != "layer")
    fail_at(ErrorCode::Config, src,
            "'feat_extract_norm' must be \"group\" or \"layer\", got \"" + c.feat_extract_norm + "\"");
  const std::pair<const char*, const std::string*> activations[] = {
      {"hidden_act", &c.hidden_act}, {"feat_extract_activation", &c.feat_extract_activation}};
  for (const auto& [field, act] : activations)
    if (std::find(kActivations.begin(), kActivations.end(), *act) == kActivations.end())
      fail_at(ErrorCode::Config, src, std::string("'") + field + "': unsupported activation \"" + *act + "\"");
  if (!(c.layer_norm_eps > 0)) fail_at(ErrorCode::Config, src, "'layer_norm_eps' must be positive");
  const std::pair<const char*, double> probabilities[] = {
      {"hidden_dropout", c.hidden_dropout},         {"attention_dropout", c.attention_dropout},
      {"activation_dropout", c.activation_dropout}, {"feat_proj_dropout", c.feat_proj_dropout},
      {"final_dropout", c.final_dropout},           {"layerdrop", c.layerdrop},
      {"mask_time_prob", c.mask_time_prob},         {"mask_feature_prob", c.mask_feature_prob}};
  for (const auto& [field, p] : probabilities)
    if (!(p >= 0 && p <= 1))
      fail_at(ErrorCode::Config, src, std::string("'") + field + "' must lie in [0, 1], got " + std::to_string(p));
}

void read_labels(const json& j, ModelConfig& c, const std::string& src) {
  if (!j.contains("id2label") || !j["id2label"].is_object()) return;
  std::map<int64_t, std::string> by_index;
  for (auto it = j["id2label"].begin(); it != j["id2label"].end(); ++it) {
    int64_t idx = -1;
    try {
      size_t used = 0;
      idx = std::stoll(it.key(), &used);
      if (used != it.key().size()) idx = -1;
    } catch (...) {
    }
    if (idx < 0 || !it.value().is_string())
      fail_at(ErrorCode::Config, src, "'id2label' must map \"0\", \"1\", ... to names");
    by_index[idx] = it.value().get<std::string>();
  }
  int64_t expect = 0;
  for (auto& [idx, name] : by_index) {
    if (idx != expect++) fail_at(ErrorCode::Config, src, "'id2label' indices must be 0..n-1");
    c.labels.push_back(name);
  }
}

json parse_object(const std::string& text, const std::string& src) {
  json j = parse_untrusted_json(text, [&](const std::string& m) { fail_at(ErrorCode::Config, src, m); });
  if (!j.is_object()) fail_at(ErrorCode::Config, src, "expected a JSON object");
  return j;
}

constexpr int64_t kMaxCnn14Channels = 8192;

void read_log_mel(const json& j, LogMelSettings& m, const std::string& src) {
  // PANNs' own argument names (window_size, hop_size, mel_bins, fmin, fmax) are read too.
  get_int(j, "sample_rate", m.sample_rate, src);
  get_int(j, "window_size", m.n_fft, src);
  get_int(j, "n_fft", m.n_fft, src);
  get_int(j, "hop_size", m.hop_length, src);
  get_int(j, "hop_length", m.hop_length, src);
  get_int(j, "mel_bins", m.n_mels, src);
  get_int(j, "n_mels", m.n_mels, src);
  get_double(j, "fmin", m.f_min, src);
  get_double(j, "f_min", m.f_min, src);
  get_double(j, "fmax", m.f_max, src);
  get_double(j, "f_max", m.f_max, src);
}

void check_log_mel(const LogMelSettings& m, const std::string& src) {
  if (m.sample_rate < 1000 || m.sample_rate > 384000)
    fail_at(ErrorCode::Config, src, "'sample_rate' must lie in 1000..384000");
  if (m.n_fft < 2 || m.n_fft > 65536 || m.n_fft % 2 != 0)
    fail_at(ErrorCode::Config, src, "'n_fft' must be even and lie in 2..65536");
  if (m.hop_length < 1 || m.hop_length > m.n_fft) fail_at(ErrorCode::Config, src, "'hop_length' must lie in 1..n_fft");
  if (m.n_mels < 1 || m.n_mels > m.n_fft / 2 + 1) fail_at(ErrorCode::Config, src, "'n_mels' must lie in 1..n_fft/2+1");
  if (!(m.f_min >= 0 && m.f_max > m.f_min && m.f_max <= m.sample_rate / 2.0))
    fail_at(ErrorCode::Config, src, "need 0 <= f_min < f_max <= sample_rate / 2 for the Mel filters");
}

// CNN14: the front end and block widths; it always has its regression layer (A/D/V by default).
void read_cnn14(const json& j, ModelConfig& c, const std::string& src) {
  auto& m = c.cnn14.log_mel;
  read_log_mel(j, m, src);
  get_int_list(j, "channels", c.cnn14.channels, src);
  if (c.cnn14.channels.size() != 6)
    fail_at(ErrorCode::Config, src, "'channels' must list the widths of the 6 conv blocks");
  for (auto ch : c.cnn14.channels)
    if (ch <= 0 || ch > kMaxCnn14Channels)
      fail_at(ErrorCode::Config, src, "'channels' must lie in 1.." + std::to_string(kMaxCnn14Channels));
  check_log_mel(m, src);
  // Five 2x2 poolings halve the Mel axis five times too.
  if (m.n_mels < 32)
    fail_at(ErrorCode::Config, src,
            "'n_mels' must be at least 32 for CNN14's five poolings, got " + std::to_string(m.n_mels));
  const ModelConfig derived = cnn14_config(c.cnn14, c.labels);
  c.labels = derived.labels;
  c.hidden_size = derived.hidden_size;
  c.num_hidden_layers = derived.num_hidden_layers;
}

}  // namespace

int64_t ModelConfig::frames_for(int64_t samples) const {
  if (is_cnn14()) return cnn14.frames_for(samples);
  int64_t len = samples;
  for (size_t i = 0; i < conv_kernel.size(); ++i) {
    if (len < conv_kernel[i]) return 0;
    len = (len - conv_kernel[i]) / conv_stride[i] + 1;
  }
  return len;
}

int64_t ModelConfig::min_samples() const {
  if (is_cnn14()) return cnn14.min_samples();
  // Invert the conv arithmetic for one output frame.
  int64_t len = 1;
  for (size_t i = conv_kernel.size(); i-- > 0;) len = (len - 1) * conv_stride[i] + conv_kernel[i];
  return len;
}

ModelConfig parse_model_config(const std::string& text, const std::string& src) {
  const json j = parse_object(text, src);
  ModelConfig c;
  get_string(j, "model_type", c.model_type, src);
  if (c.model_type == "Cnn14" || c.model_type == "CNN14" || c.model_type == "cnn14_16k" || c.model_type == "Cnn14_16k")
    c.model_type = "cnn14";
  if (c.model_type != "wav2vec2" && c.model_type != "hubert" && c.model_type != "cnn14")
    fail_at(ErrorCode::Config, src, "unknown model_type \"" + c.model_type + "\" (supported: wav2vec2, hubert, cnn14)");
  if (j.contains("architectures") && j["architectures"].is_array())
    for (const auto& a : j["architectures"])
      if (a.is_string()) c.architectures.push_back(a.get<std::string>());
  read_labels(j, c, src);
  if (c.is_cnn14()) {
    read_cnn14(j, c, src);
    return c;
  }
  get_int(j, "hidden_size", c.hidden_size, src);
  get_int(j, "num_hidden_layers", c.num_hidden_layers, src);
  get_int(j, "num_attention_heads", c.num_attention_heads, src);
  get_int(j, "intermediate_size", c.intermediate_size, src);
  get_int_list(j, "conv_dim", c.conv_dim, src);
  get_int_list(j, "conv_kernel", c.conv_kernel, src);
  get_int_list(j, "conv_stride", c.conv_stride, src);
  get_bool(j, "conv_bias", c.conv_bias, src);
  get_string(j, "feat_extract_norm", c.feat_extract_norm, src);
  get_string(j, "feat_extract_activation", c.feat_extract_activation, src);
  get_string(j, "hidden_act", c.hidden_act, src);
  get_bool(j, "do_stable_layer_norm", c.do_stable_layer_norm, src);
  get_int(j, "num_conv_pos_embeddings", c.num_conv_pos_embeddings, src);
  get_int(j, "num_conv_pos_embedding_groups", c.num_conv_pos_embedding_groups, src);
  get_double(j, "layer_norm_eps", c.layer_norm_eps, src);
  get_bool(j, "feat_proj_layer_norm", c.feat_proj_layer_norm, src);
  if (c.model_type == "wav2vec2") c.feat_proj_layer_norm = true;
  bool pos_bn = false;
  get_bool(j, "conv_pos_batch_norm", pos_bn, src);
  if (pos_bn) fail_at(ErrorCode::Config, src, "'conv_pos_batch_norm' is not supported");
  if (j.contains("adapter_attn_dim") && !j["adapter_attn_dim"].is_null())
    fail_at(ErrorCode::Config, src, "'adapter_attn_dim' is not supported");
  bool add_adapter = false;
  get_bool(j, "add_adapter", add_adapter, src);
  if (add_adapter) fail_at(ErrorCode::Config, src, "'add_adapter' is not supported");
  get_double(j, "hidden_dropout", c.hidden_dropout, src);
  get_double(j, "attention_dropout", c.attention_dropout, src);
  get_double(j, "activation_dropout", c.activation_dropout, src);
  get_double(j, "feat_proj_dropout", c.feat_proj_dropout, src);
  get_double(j, "final_dropout", c.final_dropout, src);
  get_double(j, "layerdrop", c.layerdrop, src);
  get_bool(j, "apply_spec_augment", c.apply_spec_augment, src);
  get_double(j, "mask_time_prob", c.mask_time_prob, src);
  get_int(j, "mask_time_length", c.mask_time_length, src);
  get_int(j, "mask_time_min_masks", c.mask_time_min_masks, src);
  get_double(j, "mask_feature_prob", c.mask_feature_prob, src);
  get_int(j, "mask_feature_length", c.mask_feature_length, src);
  get_int(j, "mask_feature_min_masks", c.mask_feature_min_masks, src);
  validate(c, src);
  return c;
}

ModelConfig cnn14_config(const Cnn14Settings& settings, std::vector<std::string> labels) {
  ModelConfig c;
  c.model_type = "cnn14";
  c.architectures = {"Cnn14ForSpeechClassification"};
  c.cnn14 = settings;
  c.labels = labels.empty() ? kDefaultDimensions : std::move(labels);
  c.hidden_size = settings.channels.back();  // the embedding width (fc1)
  c.num_hidden_layers = static_cast<int64_t>(settings.channels.size());
  return c;
}

LogMelSettings parse_log_mel_settings(const std::string& text, const std::string& src) {
  const json j = parse_object(text, src);
  LogMelSettings m;
  read_log_mel(j, m, src);
  check_log_mel(m, src);
  return m;
}

ModelConfig read_model_config(const std::string& path) {
  return parse_model_config(read_text_file(path, ErrorCode::Config), path);
}

namespace {

void write_labels(json& j, const ModelConfig& c) {
  if (c.labels.empty()) return;
  json id2label = json::object(), label2id = json::object();
  for (size_t i = 0; i < c.labels.size(); ++i) {
    id2label[std::to_string(i)] = c.labels[i];
    label2id[c.labels[i]] = i;
  }
  j["id2label"] = id2label;
  j["label2id"] = label2id;
  j["num_labels"] = c.labels.size();
  j["problem_type"] = "regression";
}

std::string cnn14_config_to_json(const ModelConfig& c) {
  json j;
  j["model_type"] = "cnn14";
  j["architectures"] = {"Cnn14ForSpeechClassification"};
  const auto& m = c.cnn14.log_mel;
  j["sample_rate"] = m.sample_rate;
  j["n_fft"] = m.n_fft;
  j["hop_length"] = m.hop_length;
  j["n_mels"] = m.n_mels;
  j["f_min"] = m.f_min;
  j["f_max"] = m.f_max;
  j["channels"] = c.cnn14.channels;
  j["hidden_size"] = c.hidden_size;
  write_labels(j, c);
  j["torch_dtype"] = "float32";
  return j.dump(2);
}

}  // namespace

std::string model_config_to_json(const ModelConfig& c) {
  if (c.is_cnn14()) return cnn14_config_to_json(c);
  json j;
  j["model_type"] = c.model_type;
  j["architectures"] = c.architectures;
  j["hidden_size"] = c.hidden_size;
  j["num_hidden_layers"] = c.num_hidden_layers;
  j["num_attention_heads"] = c.num_attention_heads;
  j["intermediate_size"] = c.intermediate_size;
  j["conv_dim"] = c.conv_dim;
  j["conv_kernel"] = c.conv_kernel;
  j["conv_stride"] = c.conv_stride;
  j["num_feat_extract_layers"] = c.conv_dim.size();
  j["conv_bias"] = c.conv_bias;
  j["feat_extract_norm"] = c.feat_extract_norm;
  j["feat_extract_activation"] = c.feat_extract_activation;
  j["hidden_act"] = c.hidden_act;
  j["do_stable_layer_norm"] = c.do_stable_layer_norm;
  j["num_conv_pos_embeddings"] = c.num_conv_pos_embeddings;
  j["num_conv_pos_embedding_groups"] = c.num_conv_pos_embedding_groups;
  j["layer_norm_eps"] = c.layer_norm_eps;
  if (c.model_type == "hubert") j["feat_proj_layer_norm"] = c.feat_proj_layer_norm;
  j["hidden_dropout"] = c.hidden_dropout;
  j["attention_dropout"] = c.attention_dropout;
  j["activation_dropout"] = c.activation_dropout;
  j["feat_proj_dropout"] = c.feat_proj_dropout;
  j["final_dropout"] = c.final_dropout;
  j["layerdrop"] = c.layerdrop;
  j["apply_spec_augment"] = c.apply_spec_augment;
  j["mask_time_prob"] = c.mask_time_prob;
  j["mask_time_length"] = c.mask_time_length;
  j["mask_time_min_masks"] = c.mask_time_min_masks;
  j["mask_feature_prob"] = c.mask_feature_prob;
  j["mask_feature_length"] = c.mask_feature_length;
  j["mask_feature_min_masks"] = c.mask_feature_min_masks;
  write_labels(j, c);
  if (!c.labels.empty()) j["pooling_mode"] = "mean";
  j["torch_dtype"] = "float32";
  return j.dump(2);
}

}  // namespace ser
