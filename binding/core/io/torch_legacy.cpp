#include "io/torch_legacy.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <vector>

#include "error.h"
#include "io/pickle_machine.h"
#include "io/state_dict_builder.h"

namespace ser::io::detail {
namespace {

// pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2) and pickle.dumps(1001, protocol=2).
constexpr unsigned char kMagic[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46,
                                    0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e};
constexpr unsigned char kVersion[] = {0x80, 0x02, 0x4d, 0xe9, 0x03, 0x2e};
constexpr uint64_t kMaxPickles = 256ull << 20;

struct Pickles {
  std::vector<unsigned char> bytes;
  Unpickled object;
  uint64_t data_start = 0;        // first storage record
  std::vector<std::string> keys;  // storage records, in file order
};

// sys_info, the object and the key list, parsed from the first `n` bytes of the file.
Pickles parse_pickles(BoundedFile& f, uint64_t n) {
  Pickles p;
  p.bytes = f.bytes(0, n, "pickles");
  const size_t after_header = sizeof(kMagic) + sizeof(kVersion);
  const Unpickled sys_info = unpickle(f.path() + ": sys_info", p.bytes, after_header);
  if (sys_info.root.kind == ValueKind::Ref && sys_info.obj(sys_info.root.ref).kind == ObjectKind::Dict) {
    const PickleObject& d = sys_info.obj(sys_info.root.ref);
    if (auto it = d.str_keys.find("little_endian"); it != d.str_keys.end()) {
      const PickleValue& v = d.items[it->second + 1];
      if (v.kind == ValueKind::Bool && v.i == 0)
        fail_at(ErrorCode::Checkpoint, f.path(), "was saved on a big-endian machine; only little-endian is read");
    }
  }
  p.object = unpickle(f.path() + ": the saved object", p.bytes, sys_info.end);
  const Unpickled keys = unpickle(f.path() + ": the storage keys", p.bytes, p.object.end);
  if (keys.root.kind != ValueKind::Ref || keys.obj(keys.root.ref).kind != ObjectKind::List)
    fail_at(ErrorCode::Checkpoint, f.path(), "the storage key list is not a list");
  for (const auto& k : keys.obj(keys.root.ref).items) {
    if (k.kind != ValueKind::Ref || keys.obj(k.ref).kind != ObjectKind::Str)
      fail_at(ErrorCode::Checkpoint, f.path(), "a storage key is not a string");
    p.keys.push_back(keys.obj(k.ref).text);
  }
  p.data_start = keys.end;
  return p;
}

// The pickles are small next to the data, but their length is only known once parsed: try a
// prefix, and a larger one when it ends mid-pickle.
Pickles read_pickles(BoundedFile& f) {
  const uint64_t limit = std::min<uint64_t>(f.size(), kMaxPickles);
  for (uint64_t n = std::min<uint64_t>(limit, 1 << 20);; n = std::min(limit, n * 8)) {
    try {
      return parse_pickles(f, n);
    } catch (const Error&) {
      if (n == limit) throw;
    }
  }
}

}  // namespace

NamedTensors load_legacy(BoundedFile& f, const std::string& entry) {
  unsigned char head[sizeof(kMagic) + sizeof(kVersion)] = {};
  if (f.size() < sizeof(head)) fail_at(ErrorCode::Checkpoint, f.path(), "is too short for a torch.save file");
  f.read(0, head, sizeof(head), "legacy header");
  if (std::memcmp(head, kMagic, sizeof(kMagic)) != 0)
    fail_at(ErrorCode::Checkpoint, f.path(),
            "is a pickle but not a torch.save file (no magic number, or a pickle protocol other than 2)");
  if (std::memcmp(head + sizeof(kMagic), kVersion, sizeof(kVersion)) != 0)
    fail_at(ErrorCode::Checkpoint, f.path(), "has a legacy torch.save protocol version other than 1001");
  const Pickles p = read_pickles(f);

  // Every storage the object refers to has one record; find them all before reading any.
  std::map<std::string, const PickleObject*> storages;
  for (const auto& o : p.object.objects)
    if (o.kind == ObjectKind::Storage) storages.emplace(o.text, &o);
  if (p.keys.size() != storages.size())
    fail_at(
        ErrorCode::Checkpoint, f.path(),
        "lists " + std::to_string(p.keys.size()) + " storages but the object uses " + std::to_string(storages.size()));
  std::map<std::string, uint64_t> offsets;  // key -> first data byte
  uint64_t pos = p.data_start;
  for (const auto& key : p.keys) {
    auto it = storages.find(key);
    if (it == storages.end() || offsets.count(key))
      fail_at(ErrorCode::Checkpoint, f.path(), "storage key '" + key + "' is unknown or listed twice");
    const PickleObject& s = *it->second;
    const uint64_t element = at::elementSize(storage_dtype(f.path(), s.storage_type));
    unsigned char count[8];
    if (pos > f.size() || f.size() - pos < 8)
      fail_at(ErrorCode::Checkpoint, f.path(), "ends before storage '" + key + "'");
    f.read(pos, count, 8, "storage '" + key + "' size");
    const uint64_t numel = read_le(count, 8);
    if (numel != static_cast<uint64_t>(s.numel))
      fail_at(ErrorCode::Checkpoint, f.path(),
              "storage '" + key + "' holds " + std::to_string(numel) + " elements, the object says " +
                  std::to_string(s.numel));
    pos += 8;
    if (numel > (f.size() - pos) / element)
      fail_at(ErrorCode::Checkpoint, f.path(), "storage '" + key + "' runs past the end of the file");
    offsets[key] = pos;
    pos += numel * element;
  }
  auto read_storage = [&](const std::string&, const PickleObject& s, at::ScalarType dtype) {
    at::Tensor raw = at::empty({s.numel}, at::TensorOptions().dtype(dtype));
    if (s.numel > 0)
      f.read(offsets.at(s.text), raw.data_ptr(), static_cast<uint64_t>(s.numel) * at::elementSize(dtype),
             "storage '" + s.text + "'");
    return raw;
  };
  return build_state_dict(f.path(), p.object, entry, read_storage);
}

}  // namespace ser::io::detail
