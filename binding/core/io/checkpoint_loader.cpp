#include "io/checkpoint_loader.h"

#include <regex>
#include <sstream>

#include <torch/csrc/autograd/grad_mode.h>

#include "config/json_file.h"
#include "error.h"
#include "io/torch_bin.h"
#include "message_text.h"

namespace ser::io {
namespace {

void replace_suffix(std::string& key, const std::string& from, const std::string& to) {
  if (ends_with(key, from)) key = key.substr(0, key.size() - from.size()) + to;
}

// Parts of pre-training and other task checkpoints that inference never uses.
bool is_training_only(const std::string& key, const std::string& prefix) {
  static const std::vector<std::string> heads{"quantizer.",  "project_q.",        "project_hid.",     "lm_head.",
                                              "final_proj.", "label_embs_concat", "dropout_features."};
  for (const auto& h : heads)
    if (starts_with(key, h) || starts_with(key, prefix + h)) return true;
  return false;
}

bool listed(const std::vector<std::string>& list, const std::string& key) {
  for (const auto& entry : list)
    if (key == entry || (!entry.empty() && entry.back() == '.' && starts_with(key, entry))) return true;
  return false;
}

std::string list_names(const std::vector<std::string>& names) {
  std::ostringstream os;
  for (size_t i = 0; i < names.size() && i < 12; ++i) os << (i ? ", " : "") << names[i];
  if (names.size() > 12) os << " and " << names.size() - 12 << " more";
  return os.str();
}

std::string shape_text(at::IntArrayRef s) {
  std::ostringstream os;
  os << s;
  return os.str();
}

}  // namespace

NamedTensors read_checkpoint_dir(const std::string& dir) {
  const std::string st = dir + "/model.safetensors", bin = dir + "/pytorch_model.bin";
  if (file_exists(st)) return read_safetensors(st);
  if (file_exists(bin)) return read_torch_bin(bin);
  throw Error(ErrorCode::Checkpoint, dir + ": no model.safetensors or pytorch_model.bin");
}

std::vector<std::string> normalise_keys(NamedTensors& tensors, const KeyMapping& m) {
  static const std::regex layer_re(R"(^(?:[a-z0-9_]+\.)?encoder\.layers\.(\d+)\.)");
  NamedTensors out;
  std::vector<std::string> skipped;
  for (auto& [name, tensor] : tensors) {
    std::string key = name;
    replace_suffix(key, ".parametrizations.weight.original0", ".weight_g");
    replace_suffix(key, ".parametrizations.weight.original1", ".weight_v");
    replace_suffix(key, ".gamma", ".weight");
    replace_suffix(key, ".beta", ".bias");
    if (!starts_with(key, m.base_prefix) && !starts_with(key, "classifier.") && !is_training_only(key, m.base_prefix))
      key = m.base_prefix + key;
    std::smatch match;
    const bool dropped_layer =
        m.kept_layers >= 0 && std::regex_search(key, match, layer_re) && std::stoll(match[1].str()) >= m.kept_layers;
    if (is_training_only(key, m.base_prefix) || dropped_layer) {
      skipped.push_back(name);
      continue;
    }
    if (out.count(key))
      throw Error(ErrorCode::Checkpoint, "checkpoint holds '" + key + "' twice (under two spellings)");
    out.emplace(key, tensor);
  }
  tensors.swap(out);
  return skipped;
}

std::vector<std::string> load_state(torch::nn::Module& module, const NamedTensors& tensors, const std::string& source,
                                    const LoadPolicy& policy) {
  auto params = module.named_parameters(/*recurse=*/true);
  auto buffers = module.named_buffers(/*recurse=*/true);
  std::vector<std::string> missing, unexpected, absent_optional;
  std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;
  auto visit = [&](const std::string& key, torch::Tensor& target) {
    auto it = tensors.find(key);
    if (it == tensors.end()) {
      (listed(policy.optional, key) ? absent_optional : missing).push_back(key);
      return;
    }
    if (it->second.sizes() != target.sizes())
      throw Error(ErrorCode::Checkpoint, source + ": '" + key + "' has shape " + shape_text(it->second.sizes()) +
                                             ", the model expects " + shape_text(target.sizes()));
    // A NaN or infinity in a weight only shows as NaN predictions later (issue 11): refuse it here.
    if (it->second.is_floating_point() && !torch::isfinite(it->second).all().item<bool>())
      throw Error(ErrorCode::Checkpoint, source + ": '" + key + "' holds NaN or infinite values");
    copies.emplace_back(target, it->second);
  };
  for (auto& p : params) visit(p.key(), p.value());
  for (auto& b : buffers) visit(b.key(), b.value());
  for (auto& [key, t] : tensors)
    if (!params.contains(key) && !buffers.contains(key) && !listed(policy.ignorable, key)) unexpected.push_back(key);
  if (!missing.empty() || !unexpected.empty()) {
    std::string msg = source + ": checkpoint does not match the model.";
    if (!missing.empty()) msg += " Missing keys: " + list_names(missing) + ".";
    if (!unexpected.empty()) msg += " Unexpected keys: " + list_names(unexpected) + ".";
    throw Error(ErrorCode::Checkpoint, msg);
  }
  torch::NoGradGuard no_grad;
  // Adopt the loaded storage instead of copying into it: a model's weights then exist once,
  // not twice, right after loading (and the target may be a released placeholder).
  for (auto& [target, value] : copies) target.set_data(value.to(target.device(), target.scalar_type()).contiguous());
  return absent_optional;
}

}  // namespace ser::io
