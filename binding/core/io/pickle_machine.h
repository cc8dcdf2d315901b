// A restricted pickle machine for torch.save's data.pkl. It knows containers, scalars, strings,
// torch's persistent storage ids and tensor-rebuild functions, and nothing else: no callable from
// the file is ever run. Any other global becomes an opaque placeholder, so the caller's error can
// name the key that holds it. Malformed pickles are ser::Error(ErrorCode::Checkpoint).
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

namespace ser::io::detail {

// Scalars are held inline; everything else is a Ref into the object arena.
enum class ValueKind : uint8_t { None, Bool, Int, Float, Ref };
struct PickleValue {
  ValueKind kind = ValueKind::None;
  int64_t i = 0;   // Bool, Int
  double f = 0;    // Float
  size_t ref = 0;  // Ref: index into Unpickled::objects
};

enum class ObjectKind : uint8_t { Str, Tuple, List, Dict, Global, Storage, Tensor, Opaque };

struct PickleObject {
  ObjectKind kind = ObjectKind::Opaque;
  std::string text;                                  // Str: the string; Global/Opaque: "module.name"; Storage: its key
  std::vector<PickleValue> items;                    // Tuple/List; Dict: key, value, key, value, ...
  std::unordered_map<std::string, size_t> str_keys;  // Dict: string key -> index into items
  // Storage: its type global and element count. Tensor: storage object, offset, sizes, strides.
  std::string storage_type;
  int64_t numel = 0;
  size_t storage = 0;
  int64_t offset = 0;
  std::vector<int64_t> sizes, strides;
};

// Objects live in one arena and refer to each other by index: sharing through the memo keeps
// Python's identity semantics, and a deeply nested hostile pickle cannot blow the stack when freed.
struct Unpickled {
  PickleValue root;
  std::deque<PickleObject> objects;
  size_t end = 0;  // offset just past the STOP: where a following pickle or data begins
  const PickleObject& obj(size_t ref) const { return objects.at(ref); }
};

// Runs `pickle` from `start` to its STOP. `where` prefixes every error message (e.g. "<path>: data.pkl").
Unpickled unpickle(const std::string& where, const std::vector<unsigned char>& pickle, size_t start = 0);

}  // namespace ser::io::detail
