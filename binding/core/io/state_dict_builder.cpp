#include "io/state_dict_builder.h"

#include <unordered_map>
#include <utility>

#include "error.h"
#include "message_text.h"

namespace ser::io::detail {
namespace {

struct StorageType {
  const char* name;
  at::ScalarType dtype;
};
constexpr StorageType kStorageTypes[] = {{"torch.FloatStorage", at::kFloat},       {"torch.HalfStorage", at::kHalf},
                                         {"torch.BFloat16Storage", at::kBFloat16}, {"torch.DoubleStorage", at::kDouble},
                                         {"torch.LongStorage", at::kLong},         {"torch.IntStorage", at::kInt},
                                         {"torch.ShortStorage", at::kShort},       {"torch.CharStorage", at::kChar},
                                         {"torch.ByteStorage", at::kByte},         {"torch.BoolStorage", at::kBool}};

const StorageType* storage_type(const std::string& name) {
  for (const auto& t : kStorageTypes)
    if (name == t.name) return &t;
  return nullptr;
}

std::string describe(const Unpickled& graph, const PickleValue& v) {
  switch (v.kind) {
    case ValueKind::None: return "None";
    case ValueKind::Bool: return "a bool";
    case ValueKind::Int: return "an int";
    case ValueKind::Float: return "a float";
    case ValueKind::Ref: break;
  }
  const PickleObject& o = graph.obj(v.ref);
  switch (o.kind) {
    case ObjectKind::Str: return "a string";
    case ObjectKind::Tuple: return "a tuple";
    case ObjectKind::List: return "a list";
    case ObjectKind::Dict: return "a dict";
    case ObjectKind::Storage: return "a bare storage";
    case ObjectKind::Tensor: return "a tensor";
    case ObjectKind::Global:
    case ObjectKind::Opaque: break;
  }
  return "a " + o.text + " object";
}

constexpr int kMaxNesting = 32;

// BatchNorm's step counter, an int64 tensor in every state dict with BatchNorm (read as float,
// exact up to 2^24 steps; libtorch's momentum-0.1 BatchNorm never reads it).
bool is_batch_count(const std::string& name) { return ends_with(name, "num_batches_tracked"); }

// Flattened state-dict keys with their tensors, in pickle order.
using TensorEntries = std::vector<std::pair<std::string, const PickleObject*>>;

// state dicts are (ordered) dicts of tensors; nested dicts are flattened with '.'.
void collect(const std::string& path, const Unpickled& graph, const PickleObject& dict, const std::string& prefix,
             int depth, TensorEntries& out) {
  if (depth > kMaxNesting)
    fail_at(ErrorCode::Checkpoint, path,
            "dicts nest deeper than " + std::to_string(kMaxNesting) + " levels at '" + prefix + "'");
  for (size_t i = 0; i < dict.items.size(); i += 2) {
    const PickleValue& k = dict.items[i];
    const PickleValue& v = dict.items[i + 1];
    if (k.kind != ValueKind::Ref || graph.obj(k.ref).kind != ObjectKind::Str)
      fail_at(ErrorCode::Checkpoint, path,
              "a key under '" + (prefix.empty() ? std::string("<root>") : prefix) + "' is " + describe(graph, k) +
                  ", not a string");
    const std::string name = prefix.empty() ? graph.obj(k.ref).text : prefix + "." + graph.obj(k.ref).text;
    const PickleObject* o = v.kind == ValueKind::Ref ? &graph.obj(v.ref) : nullptr;
    if (o && o->kind == ObjectKind::Tensor) out.emplace_back(name, o);
    else if (o && o->kind == ObjectKind::Dict) collect(path, graph, *o, name, depth + 1, out);
    else fail_at(ErrorCode::Checkpoint, path, "'" + name + "' is " + describe(graph, v) + ", not a tensor");
  }
}

std::string ints_text(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

// The view must lie inside its storage; libtorch 1.13 does not check this when unpickling.
void check_view(const std::string& path, const std::string& name, const PickleObject& t, int64_t storage_numel) {
  const std::string view = "'" + name + "' (size " + ints_text(t.sizes) + ", stride " + ints_text(t.strides) +
                           ", offset " + std::to_string(t.offset) + ")";
  if (t.sizes.size() != t.strides.size() || t.sizes.size() > 64)
    fail_at(ErrorCode::Checkpoint, path, view + " has a malformed shape");
  if (t.offset < 0) fail_at(ErrorCode::Checkpoint, path, view + " has a negative storage offset");
  constexpr int64_t kMax = int64_t{1} << 62;
  int64_t numel = 1, last = t.offset;
  for (size_t d = 0; d < t.sizes.size(); ++d) {
    if (t.sizes[d] < 0 || t.strides[d] < 0)
      fail_at(ErrorCode::Checkpoint, path, view + " has a negative size or stride");
    if (t.sizes[d] == 0) numel = 0;
    else if (numel != 0 && numel > kMax / t.sizes[d])
      fail_at(ErrorCode::Checkpoint, path, view + " is impossibly large");
    else numel *= t.sizes[d];
  }
  if (numel == 0) {
    if (t.offset > storage_numel)
      fail_at(ErrorCode::Checkpoint, path,
              view + " starts past its storage of " + std::to_string(storage_numel) + " elements");
    return;
  }
  for (size_t d = 0; d < t.sizes.size(); ++d) {
    if (t.strides[d] != 0 && (t.sizes[d] - 1) > (kMax - last) / t.strides[d])
      fail_at(ErrorCode::Checkpoint, path, view + " is impossibly large");
    last += (t.sizes[d] - 1) * t.strides[d];
  }
  if (last >= storage_numel)
    fail_at(ErrorCode::Checkpoint, path,
            view + " reaches element " + std::to_string(last) + " of a storage with " + std::to_string(storage_numel) +
                " elements");
}

}  // namespace

at::ScalarType storage_dtype(const std::string& path, const std::string& type_name) {
  const StorageType* type = storage_type(type_name);
  if (!type) fail_at(ErrorCode::Checkpoint, path, "holds a storage of type " + type_name + ", which is not read");
  return type->dtype;
}

NamedTensors build_state_dict(const std::string& path, const Unpickled& graph, const std::string& entry,
                              const StorageReader& read_storage) {
  const PickleValue& root = graph.root;
  if (root.kind != ValueKind::Ref || graph.obj(root.ref).kind != ObjectKind::Dict)
    fail_at(ErrorCode::Checkpoint, path, "holds " + describe(graph, root) + ", not a state dict (a dict of tensors)");
  const PickleObject* dict = &graph.obj(root.ref);
  // A training checkpoint: the state dict is one entry of the saved dict.
  if (const auto it = dict->str_keys.find(entry); !entry.empty() && it != dict->str_keys.end()) {
    const PickleValue& v = dict->items[it->second + 1];
    if (v.kind != ValueKind::Ref || graph.obj(v.ref).kind != ObjectKind::Dict)
      fail_at(ErrorCode::Checkpoint, path, "'" + entry + "' is " + describe(graph, v) + ", not a state dict");
    dict = &graph.obj(v.ref);
  }
  TensorEntries tensors;
  collect(path, graph, *dict, "", 0, tensors);
  if (tensors.empty()) fail_at(ErrorCode::Checkpoint, path, "holds no tensors");

  // Validate everything before reading any data.
  std::unordered_map<const PickleObject*, int> uses;  // storage -> tensors still to build from it
  for (const auto& [name, t] : tensors) {
    const PickleObject& s = graph.obj(t->storage);
    const StorageType* type = storage_type(s.storage_type);
    if (!type)
      fail_at(ErrorCode::Checkpoint, path, "'" + name + "' is stored as " + s.storage_type + ", which is not read");
    if (!at::isFloatingType(type->dtype) && !is_batch_count(name))
      fail_at(ErrorCode::Checkpoint, path,
              "'" + name + "' is a " + std::string(c10::toString(type->dtype)) +
                  " tensor; only floating-point tensors are read");
    check_view(path, name, *t, s.numel);
    ++uses[&s];
  }

  NamedTensors out;
  std::unordered_map<const PickleObject*, at::Tensor> cache;  // storages still wanted by a later tensor
  for (const auto& [name, t] : tensors) {
    const PickleObject& s = graph.obj(t->storage);
    const at::ScalarType dtype = storage_type(s.storage_type)->dtype;
    at::Tensor& raw = cache[&s];
    if (!raw.defined()) raw = read_storage(name, s, dtype);
    const at::Tensor view = raw.as_strided(t->sizes, t->strides, t->offset);
    const bool last_use = --uses[&s] == 0;
    // The last float32 tensor that covers its whole storage takes it without a copy.
    const bool whole = t->offset == 0 && view.numel() == raw.numel() && view.is_contiguous();
    at::Tensor value = dtype == at::kFloat && last_use && whole ? view : at::empty(t->sizes, at::kFloat).copy_(view);
    if (last_use) cache.erase(&s);
    if (!out.emplace(name, std::move(value)).second)
      fail_at(ErrorCode::Checkpoint, path, "two entries flatten to the same name '" + name + "'");
  }
  return out;
}

}  // namespace ser::io::detail
