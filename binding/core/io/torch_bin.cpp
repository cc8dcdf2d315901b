#include "io/torch_bin.h"

#include <fstream>
#include <iterator>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <sys/stat.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include "error.h"

namespace ser::io {
namespace {

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  throw Error(ErrorCode::Checkpoint, path + ": " + what);
}

// state dicts are (ordered) dicts of tensors; nested dicts are flattened with '.'.
void flatten(const std::string& path, const c10::IValue& value, const std::string& prefix, NamedTensors& out) {
  if (value.isTensor()) {
    auto t = value.toTensor();
    if (!t.is_floating_point()) bad(path, "'" + prefix + "' is not a floating-point tensor");
    out.emplace(prefix, t.to(at::kCPU, at::kFloat).contiguous().clone());
    return;
  }
  if (value.isGenericDict()) {
    for (const auto& item : value.toGenericDict()) {
      if (!item.key().isString()) bad(path, "a state-dict key is not a string");
      const std::string key = item.key().toStringRef();
      flatten(path, item.value(), prefix.empty() ? key : prefix + "." + key, out);
    }
    return;
  }
  bad(path, "'" + (prefix.empty() ? std::string("<root>") : prefix) + "' is not a tensor or a dict of tensors");
}

}  // namespace

NamedTensors read_torch_bin(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) bad(path, "no such file");
  std::ifstream in(path, std::ios::binary);
  if (!in) bad(path, "cannot open");
  std::vector<char> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (data.size() < 4 || data[0] != 'P' || data[1] != 'K')
    bad(path, "not a torch.save zip archive (the legacy pre-1.6 format is not supported: re-save it with a current torch, "
              "or convert it to model.safetensors)");
  c10::IValue root;
  try {
    // libtorch's unpickler only rebuilds tensors and containers: no code from the file runs.
    root = torch::jit::pickle_load(data);
  } catch (const c10::Error& e) {
    bad(path, std::string("cannot read: ") + e.what_without_backtrace());
  } catch (const std::exception& e) {
    bad(path, std::string("cannot read: ") + e.what());
  }
  NamedTensors out;
  flatten(path, root, "", out);
  if (out.empty()) bad(path, "holds no tensors");
  return out;
}

}  // namespace ser::io
