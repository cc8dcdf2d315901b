// pytorch_model.bin is a zip of stored records: <archive>/data.pkl (a pickle of the state dict whose
// tensors point at storages by key) and <archive>/data/<key> (raw little-endian storage bytes).
//
// libtorch 1.13's own unpickler (torch::pickle_load) cannot read what torch.save writes for a real
// state dict: it rejects SETITEM (any one-entry dict, including those inside state_dict()'s
// `_metadata`) and fails on the BUILD that attaches `_metadata`. It also trusts the pickle's sizes
// (a view past its storage reads out of bounds) and the zip's sizes (allocations the file does not
// back). So this file reads the zip itself and runs a small pickle machine that knows only
// containers, scalars, strings and torch's tensor-rebuild functions: nothing from the file is ever
// executed, and every size is checked against the file before anything is allocated or read.
#include "io/torch_bin.h"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <unordered_map>
#include <vector>

#include <ATen/ATen.h>
#include <sys/stat.h>

#include "error.h"

namespace ser::io {
namespace {

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  throw Error(ErrorCode::Checkpoint, path + ": " + what);
}

// ---------------------------------------------------------------------------------------------
// The file and its zip index
// ---------------------------------------------------------------------------------------------

uint64_t le(const unsigned char* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Bounded reads: every offset and length is checked against the file size first.
class File {
 public:
  explicit File(const std::string& path) : path_(path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) bad(path, std::string("cannot open (") + std::strerror(errno) + ")");
    if (!S_ISREG(st.st_mode)) bad(path, "is not a regular file");
    size_ = static_cast<uint64_t>(st.st_size);
    in_.open(path, std::ios::binary);
    if (!in_) bad(path, std::string("cannot open (") + std::strerror(errno) + ")");
  }
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

  void check_range(uint64_t offset, uint64_t n, const std::string& what) const {
    if (offset > size_ || n > size_ - offset)
      bad(path_, what + " (bytes " + std::to_string(offset) + "+" + std::to_string(n) + ") lies outside the " +
                     std::to_string(size_) + "-byte file (truncated?)");
  }
  void read(uint64_t offset, void* dst, uint64_t n, const std::string& what) {
    check_range(offset, n, what);
    if (n == 0) return;
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(offset));
    in_.read(static_cast<char*>(dst), static_cast<std::streamsize>(n));
    if (!in_) bad(path_, "cannot read " + what + " at byte offset " + std::to_string(offset));
  }
  std::vector<unsigned char> bytes(uint64_t offset, uint64_t n, const std::string& what) {
    check_range(offset, n, what);  // before the allocation
    std::vector<unsigned char> out(n);
    read(offset, out.data(), n, what);
    return out;
  }

 private:
  std::string path_;
  uint64_t size_ = 0;
  std::ifstream in_;
};

// CRC-32 (zip's polynomial), slicing by 8: corrupt downloads are caught, as torch.load catches them.
uint32_t crc32(const unsigned char* p, size_t n, uint32_t crc = 0) {
  static const auto table = [] {
    std::array<std::array<uint32_t, 256>, 8> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i)
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
    return t;
  }();
  crc = ~crc;
  for (; n >= 8; n -= 8, p += 8) {
    const uint32_t a = static_cast<uint32_t>(le(p, 4)) ^ crc, b = static_cast<uint32_t>(le(p + 4, 4));
    crc = table[7][a & 0xFF] ^ table[6][(a >> 8) & 0xFF] ^ table[5][(a >> 16) & 0xFF] ^ table[4][a >> 24] ^
          table[3][b & 0xFF] ^ table[2][(b >> 8) & 0xFF] ^ table[1][(b >> 16) & 0xFF] ^ table[0][b >> 24];
  }
  for (; n > 0; --n, ++p) crc = table[0][(crc ^ *p) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

struct Record {
  uint64_t offset = 0;  // of the data, after the local header
  uint64_t size = 0;
  uint32_t crc = 0;
};

struct ZipIndex {
  std::vector<std::string> names;  // central-directory order
  std::unordered_map<std::string, Record> records;
};

constexpr uint64_t kMaxCentralDir = 64ull << 20;
constexpr uint32_t kMax32 = 0xFFFFFFFFu;

struct CentralDir {
  uint64_t entries, offset, size;
};

CentralDir find_central_dir(File& f) {
  const uint64_t tail_len = std::min<uint64_t>(f.size(), 22 + 0xFFFF);
  const auto tail = f.bytes(f.size() - tail_len, tail_len, "end of the zip archive");
  for (int64_t pos = static_cast<int64_t>(tail_len) - 22; pos >= 0; --pos) {
    const unsigned char* e = tail.data() + pos;
    if (le(e, 4) != 0x06054b50) continue;
    CentralDir cd{le(e + 10, 2), le(e + 16, 4), le(e + 12, 4)};
    const uint64_t eocd = f.size() - tail_len + static_cast<uint64_t>(pos);
    // torch writes zip64 records; when the locator is there its 64-bit values are the real ones.
    if (eocd >= 20) {
      unsigned char loc[20];
      f.read(eocd - 20, loc, 20, "zip64 locator");
      if (le(loc, 4) == 0x07064b50) {
        unsigned char z[56];
        f.read(le(loc + 8, 8), z, 56, "zip64 end of central directory");
        if (le(z, 4) != 0x06064b50) bad(f.path(), "zip64 end of central directory has a bad signature");
        cd = {le(z + 32, 8), le(z + 48, 8), le(z + 40, 8)};
      }
    }
    return cd;
  }
  bad(f.path(), "no zip end-of-central-directory record (truncated or not a zip archive)");
}

// A zip64 extra field holds, in order, only those sizes whose 32-bit field is 0xFFFFFFFF.
void apply_zip64_extra(const std::string& path, const std::string& name, const unsigned char* x, size_t len,
                       uint64_t& uncomp, uint64_t& comp, uint64_t& local) {
  for (size_t p = 0; p + 4 <= len;) {
    const uint64_t id = le(x + p, 2), n = le(x + p + 2, 2);
    if (n > len - p - 4) bad(path, "zip record '" + name + "' has a malformed extra field");
    if (id == 1) {
      size_t q = p + 4;
      for (uint64_t* v : {&uncomp, &comp, &local}) {
        if (*v != kMax32) continue;
        if (q + 8 > p + 4 + n) bad(path, "zip record '" + name + "' has a short zip64 field");
        *v = le(x + q, 8), q += 8;
      }
    }
    p += 4 + n;
  }
}

ZipIndex read_zip_index(File& f) {
  const CentralDir cd = find_central_dir(f);
  if (cd.size > kMaxCentralDir)
    bad(f.path(), "zip central directory of " + std::to_string(cd.size) + " bytes is over the 64 MB limit");
  if (cd.entries > cd.size / 46)
    bad(f.path(), "zip central directory is too small for its " + std::to_string(cd.entries) + " entries");
  const auto dir = f.bytes(cd.offset, cd.size, "zip central directory");
  ZipIndex index;
  size_t p = 0;
  for (uint64_t i = 0; i < cd.entries; ++i) {
    if (dir.size() - p < 46 || le(&dir[p], 4) != 0x02014b50)
      bad(f.path(), "zip central directory entry " + std::to_string(i) + " is malformed");
    const unsigned char* h = &dir[p];
    const uint64_t flags = le(h + 8, 2), method = le(h + 10, 2), name_len = le(h + 28, 2), extra_len = le(h + 30, 2),
                   comment_len = le(h + 32, 2);
    if (dir.size() - p - 46 < name_len + extra_len + comment_len)
      bad(f.path(), "zip central directory entry " + std::to_string(i) + " runs past the directory");
    const std::string name(reinterpret_cast<const char*>(h + 46), name_len);
    if (flags & 1) bad(f.path(), "zip record '" + name + "' is encrypted");
    // Stored only, as torch.save writes: a compressed record could claim any size (zip bomb).
    if (method != 0)
      bad(f.path(), "zip record '" + name + "' is compressed (method " + std::to_string(method) +
                        "); torch.save stores records uncompressed");
    uint64_t comp = le(h + 20, 4), uncomp = le(h + 24, 4), local = le(h + 42, 4);
    apply_zip64_extra(f.path(), name, h + 46 + name_len, extra_len, uncomp, comp, local);
    if (comp != uncomp)
      bad(f.path(), "zip record '" + name + "' is stored with differing sizes " + std::to_string(comp) + " and " +
                        std::to_string(uncomp));
    unsigned char lh[30];
    f.read(local, lh, 30, "local header of zip record '" + name + "'");
    if (le(lh, 4) != 0x04034b50) bad(f.path(), "zip record '" + name + "' has a bad local header");
    Record r{local + 30 + le(lh + 26, 2) + le(lh + 28, 2), comp, static_cast<uint32_t>(le(h + 16, 4))};
    if (r.offset > f.size() || r.size > f.size() - r.offset)
      bad(f.path(), "zip record '" + name + "' (" + std::to_string(r.size) + " bytes at offset " +
                        std::to_string(r.offset) + ") lies outside the " + std::to_string(f.size()) +
                        "-byte file (truncated?)");
    if (!index.records.emplace(name, r).second) bad(f.path(), "zip archive holds '" + name + "' twice");
    index.names.push_back(name);
    p += 46 + name_len + extra_len + comment_len;
  }
  return index;
}

void read_record(File& f, const std::string& name, const Record& r, void* dst) {
  f.read(r.offset, dst, r.size, "zip record '" + name + "'");
  if (crc32(static_cast<const unsigned char*>(dst), r.size) != r.crc)
    bad(f.path(), "zip record '" + name + "' fails its CRC check (corrupt file)");
}

// ---------------------------------------------------------------------------------------------
// The pickle machine
// ---------------------------------------------------------------------------------------------

// Objects live in one arena and refer to each other by index: sharing through the memo keeps
// Python's identity semantics, and a deeply nested hostile pickle cannot blow the stack when freed.
enum class Kind : uint8_t { None, Bool, Int, Float, Ref };
struct Value {
  Kind kind = Kind::None;
  int64_t i = 0;
  double f = 0;
  size_t ref = 0;
};

enum class ObjKind : uint8_t { Str, Tuple, List, Dict, Global, Storage, Tensor, Opaque };

struct Object {
  ObjKind kind = ObjKind::Opaque;
  std::string text;          // Str: the string; Global/Opaque: "module.name"; Storage: its key
  std::vector<Value> items;  // Tuple/List; Dict: key, value, key, value, ...
  std::unordered_map<std::string, size_t> str_keys;  // Dict: string key -> index into items
  // Storage: its type global and element count. Tensor: storage object, offset, sizes, strides.
  std::string storage_type;
  int64_t numel = 0;
  size_t storage = 0;
  int64_t offset = 0;
  std::vector<int64_t> sizes, strides;
};

class Unpickler {
 public:
  Unpickler(const std::string& where, const std::vector<unsigned char>& data) : where_(where), data_(data) {}

  Value run() {
    while (true) {
      const size_t at = pos_;
      const unsigned char op = take(1)[0];
      if (op == '.') {
        Value v = pop();
        if (!stack_.empty() || !marks_.empty()) fail("leaves values behind at STOP");
        return v;
      }
      try {
        step(op);
      } catch (const Error&) {
        throw;
      } catch (const std::exception& e) {  // e.g. bad_alloc: still the file's fault
        fail(std::string(e.what()) + " at byte " + std::to_string(at));
      }
    }
  }
  const Object& obj(size_t ref) const { return objects_.at(ref); }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw Error(ErrorCode::Checkpoint, where_ + ": " + what); }
  [[noreturn]] void fail_at(const std::string& what) const { fail(what + " (near byte " + std::to_string(pos_) + ")"); }

  const unsigned char* take(size_t n) {
    if (n > data_.size() - pos_)
      fail("is truncated (wanted " + std::to_string(n) + " bytes at byte " + std::to_string(pos_) + ")");
    const unsigned char* p = data_.data() + pos_;
    pos_ += n;
    return p;
  }
  std::string line() {
    const size_t start = pos_;
    while (pos_ < data_.size() && data_[pos_] != '\n' && pos_ - start < 256) ++pos_;
    if (pos_ >= data_.size() || data_[pos_] != '\n') fail_at("has an unterminated GLOBAL name");
    return std::string(reinterpret_cast<const char*>(data_.data() + start), pos_++ - start);
  }

  Value ref(size_t r) {
    Value v;
    v.kind = Kind::Ref, v.ref = r;
    return v;
  }
  Value make(ObjKind k, std::string text = {}) {
    objects_.emplace_back();
    objects_.back().kind = k;
    objects_.back().text = std::move(text);
    return ref(objects_.size() - 1);
  }
  Value integer(int64_t i) {
    Value v;
    v.kind = Kind::Int, v.i = i;
    return v;
  }
  Object* as(const Value& v, ObjKind k) {
    return v.kind == Kind::Ref && objects_[v.ref].kind == k ? &objects_[v.ref] : nullptr;
  }
  Object& need(const Value& v, ObjKind k, const char* what) {
    Object* o = as(v, k);
    if (!o) fail_at(std::string("expects ") + what);
    return *o;
  }

  Value pop() {
    if (stack_.empty() || (!marks_.empty() && marks_.back() == stack_.size())) fail_at("pops an empty stack");
    Value v = stack_.back();
    stack_.pop_back();
    return v;
  }
  std::vector<Value> pop_to_mark() {
    if (marks_.empty()) fail_at("uses a MARK that was never set");
    std::vector<Value> items(stack_.begin() + static_cast<std::ptrdiff_t>(marks_.back()), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }

  void setitem(Value dict, const Value& key, const Value& value) {
    Object& d = need(dict, ObjKind::Dict, "a dict for SETITEM");
    if (const Object* k = as(key, ObjKind::Str)) {
      auto [it, fresh] = d.str_keys.emplace(k->text, d.items.size());
      if (!fresh) {  // Python semantics: a repeated key replaces the value
        d.items[it->second + 1] = value;
        return;
      }
    }
    d.items.push_back(key);
    d.items.push_back(value);
  }

  Value text_value(size_t n) {
    const unsigned char* p = take(n);
    return make(ObjKind::Str, std::string(reinterpret_cast<const char*>(p), n));
  }

  void step(unsigned char op) {
    switch (op) {
      case 0x80: if (take(1)[0] > 5) fail_at("uses an unknown pickle protocol"); break;           // PROTO
      case 0x95: take(8); break;                                                                 // FRAME
      case '(': marks_.push_back(stack_.size()); break;                                          // MARK
      case 'N': stack_.push_back(Value{}); break;                                                // NONE
      case 0x88: case 0x89: { Value v; v.kind = Kind::Bool, v.i = op == 0x88; stack_.push_back(v); break; }
      case 'J': stack_.push_back(integer(static_cast<int32_t>(le(take(4), 4)))); break;          // BININT
      case 'K': stack_.push_back(integer(take(1)[0])); break;                                    // BININT1
      case 'M': stack_.push_back(integer(static_cast<int64_t>(le(take(2), 2)))); break;          // BININT2
      case 0x8a: case 0x8b: {                                                                    // LONG1, LONG4
        const uint64_t n = op == 0x8a ? take(1)[0] : le(take(4), 4);
        if (n > 8) fail_at("holds an integer wider than 64 bits");
        const unsigned char* p = take(n);
        uint64_t u = n ? le(p, static_cast<int>(n)) : 0;
        if (n && n < 8 && (p[n - 1] & 0x80)) u |= ~uint64_t{0} << (8 * n);  // sign-extend
        stack_.push_back(integer(static_cast<int64_t>(u)));
        break;
      }
      case 'G': {                                                                                // BINFLOAT, big-endian
        const unsigned char* p = take(8);
        uint64_t u = 0;
        for (int i = 0; i < 8; ++i) u = (u << 8) | p[i];
        Value v;
        v.kind = Kind::Float;
        std::memcpy(&v.f, &u, 8);
        stack_.push_back(v);
        break;
      }
      case 'X': case 'B': stack_.push_back(text_value(le(take(4), 4))); break;                   // BINUNICODE, BINBYTES
      case 0x8c: case 'C': case 'U': stack_.push_back(text_value(take(1)[0])); break;            // SHORT_BIN*
      case 0x8d: case 0x8e: stack_.push_back(text_value(le(take(8), 8))); break;                 // *8 variants
      case '}': stack_.push_back(make(ObjKind::Dict)); break;
      case ']': stack_.push_back(make(ObjKind::List)); break;
      case ')': stack_.push_back(make(ObjKind::Tuple)); break;
      case 't': case 'l': {                                                                      // TUPLE, LIST
        auto items = pop_to_mark();
        Value v = make(op == 't' ? ObjKind::Tuple : ObjKind::List);
        objects_[v.ref].items = std::move(items);
        stack_.push_back(v);
        break;
      }
      case 0x85: case 0x86: case 0x87: {                                                         // TUPLE1..3
        std::vector<Value> items(static_cast<size_t>(op - 0x84));
        for (auto it = items.rbegin(); it != items.rend(); ++it) *it = pop();
        Value v = make(ObjKind::Tuple);
        objects_[v.ref].items = std::move(items);
        stack_.push_back(v);
        break;
      }
      case 'd': {                                                                                // DICT
        auto items = pop_to_mark();
        if (items.size() % 2) fail_at("builds a dict from an odd number of items");
        Value d = make(ObjKind::Dict);
        for (size_t i = 0; i < items.size(); i += 2) setitem(d, items[i], items[i + 1]);
        stack_.push_back(d);
        break;
      }
      case 'a': {                                                                                // APPEND
        Value v = pop();
        need(top(), ObjKind::List, "a list for APPEND").items.push_back(v);
        break;
      }
      case 'e': {                                                                                // APPENDS
        auto items = pop_to_mark();
        auto& list = need(top(), ObjKind::List, "a list for APPENDS").items;
        list.insert(list.end(), items.begin(), items.end());
        break;
      }
      case 's': {                                                                                // SETITEM
        Value value = pop(), key = pop();
        setitem(top(), key, value);
        break;
      }
      case 'u': {                                                                                // SETITEMS
        auto items = pop_to_mark();
        if (items.size() % 2) fail_at("sets an odd number of dict items");
        for (size_t i = 0; i < items.size(); i += 2) setitem(top(), items[i], items[i + 1]);
        break;
      }
      case 'q': memo_[take(1)[0]] = top(); break;                                                // BINPUT
      case 'r': memo_[le(take(4), 4)] = top(); break;                                            // LONG_BINPUT
      case 0x94: memo_[memo_.size()] = top(); break;                                             // MEMOIZE
      case 'h': case 'j': {                                                                      // BINGET, LONG_BINGET
        const uint64_t k = op == 'h' ? take(1)[0] : le(take(4), 4);
        auto it = memo_.find(k);
        if (it == memo_.end()) fail_at("reads memo slot " + std::to_string(k) + " that was never written");
        stack_.push_back(it->second);
        break;
      }
      case 'c': {                                                                                // GLOBAL
        std::string module = line();
        stack_.push_back(make(ObjKind::Global, module + "." + line()));
        break;
      }
      case 0x93: {                                                                               // STACK_GLOBAL
        Value name = pop(), module = pop();
        const std::string n = need(name, ObjKind::Str, "a name for STACK_GLOBAL").text;
        stack_.push_back(make(ObjKind::Global, need(module, ObjKind::Str, "a module for STACK_GLOBAL").text + "." + n));
        break;
      }
      case 'Q': stack_.push_back(persistent_load(pop())); break;                                 // BINPERSID
      case 'R': {                                                                                // REDUCE
        Value args = pop(), fn = pop();
        stack_.push_back(call(need(fn, ObjKind::Global, "a global to call").text,
                              need(args, ObjKind::Tuple, "an argument tuple").items));
        break;
      }
      case 0x81: {                                                                               // NEWOBJ
        Value args = pop(), cls = pop();
        need(args, ObjKind::Tuple, "an argument tuple");
        const std::string name = need(cls, ObjKind::Global, "a class for NEWOBJ").text;
        stack_.push_back(name == "collections.OrderedDict" ? make(ObjKind::Dict) : make(ObjKind::Opaque, name));
        break;
      }
      case 'b': pop(); top(); break;  // BUILD: object state (state_dict's `_metadata`) is not needed
      case '0': pop(); break;                                                                    // POP
      case '1': pop_to_mark(); break;                                                            // POP_MARK
      case '2': stack_.push_back(top()); break;                                                  // DUP
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        fail("uses pickle opcode " + std::string(hex) + " at byte " + std::to_string(pos_ - 1) +
             ", which a torch.save state dict never needs");
      }
    }
  }

  const Value& top() {
    if (stack_.empty() || (!marks_.empty() && marks_.back() == stack_.size())) fail_at("reads an empty stack");
    return stack_.back();
  }

  // torch.save's persistent id: ('storage', torch.<Type>Storage, key, location, numel).
  // The location is ignored: everything is read to the CPU, as map_location='cpu' does.
  Value persistent_load(const Value& pid) {
    const auto& t = need(pid, ObjKind::Tuple, "a storage tuple as persistent id").items;
    const Object* tag = t.empty() ? nullptr : as(t[0], ObjKind::Str);
    if (t.size() < 5 || !tag || tag->text != "storage")
      fail_at("has a persistent id that is not ('storage', type, key, location, numel)");
    if (t.size() > 5 && t[5].kind != Kind::None) fail_at("has a storage view (legacy format)");
    const std::string type = need(t[1], ObjKind::Global, "a storage type").text;
    const std::string key = need(t[2], ObjKind::Str, "a storage key").text;
    if (t[4].kind != Kind::Int || t[4].i < 0) fail_at("has storage '" + key + "' with an invalid element count");
    auto [it, fresh] = storages_.emplace(key, 0);
    if (!fresh) {
      const Object& s = objects_[it->second];
      if (s.storage_type != type || s.numel != t[4].i) fail_at("describes storage '" + key + "' twice, differently");
      return ref(it->second);
    }
    Value v = make(ObjKind::Storage, key);
    objects_[v.ref].storage_type = type;
    objects_[v.ref].numel = t[4].i;
    it->second = v.ref;
    return v;
  }

  std::vector<int64_t> int_tuple(const Value& v, const char* what) {
    std::vector<int64_t> out;
    for (const auto& x : need(v, ObjKind::Tuple, what).items) {
      if (x.kind != Kind::Int) fail_at(std::string("expects integers in ") + what);
      out.push_back(x.i);
    }
    return out;
  }

  // The only callables: containers and torch's tensor rebuilders. Anything else becomes an opaque
  // placeholder, so the error can later name the state-dict key that holds it.
  Value call(const std::string& fn, const std::vector<Value>& args) {
    if (fn == "collections.OrderedDict" || fn == "builtins.dict") {
      if (!args.empty()) fail_at("calls " + fn + " with arguments");
      return make(ObjKind::Dict);
    }
    if (fn == "torch._utils._rebuild_tensor_v2" || fn == "torch._utils._rebuild_tensor") {
      if (args.size() < 4) fail_at("calls " + fn + " with too few arguments");
      Value t = make(ObjKind::Tensor);
      Object& o = objects_[t.ref];
      if (!as(args[0], ObjKind::Storage)) fail_at("rebuilds a tensor without a storage");
      if (args[1].kind != Kind::Int) fail_at("rebuilds a tensor with a non-integer offset");
      o.storage = args[0].ref, o.offset = args[1].i;
      o.sizes = int_tuple(args[2], "a tensor size");
      o.strides = int_tuple(args[3], "a tensor stride");
      return t;
    }
    if (fn == "torch._utils._rebuild_parameter" || fn == "torch._utils._rebuild_parameter_with_state") {
      if (args.empty() || !as(args[0], ObjKind::Tensor)) fail_at("rebuilds a parameter without a tensor");
      return args[0];
    }
    return make(ObjKind::Opaque, fn);
  }

  std::string where_;
  const std::vector<unsigned char>& data_;
  size_t pos_ = 0;
  std::vector<Value> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Value> memo_;
  std::deque<Object> objects_;
  std::unordered_map<std::string, size_t> storages_;
};

// ---------------------------------------------------------------------------------------------
// From the unpickled state dict to float32 tensors
// ---------------------------------------------------------------------------------------------

struct StorageType {
  const char* name;
  at::ScalarType dtype;
};
constexpr StorageType kStorageTypes[] = {
    {"torch.FloatStorage", at::kFloat}, {"torch.HalfStorage", at::kHalf}, {"torch.BFloat16Storage", at::kBFloat16},
    {"torch.DoubleStorage", at::kDouble}, {"torch.LongStorage", at::kLong}, {"torch.IntStorage", at::kInt},
    {"torch.ShortStorage", at::kShort}, {"torch.CharStorage", at::kChar}, {"torch.ByteStorage", at::kByte},
    {"torch.BoolStorage", at::kBool}};

const StorageType* storage_type(const std::string& name) {
  for (const auto& t : kStorageTypes)
    if (name == t.name) return &t;
  return nullptr;
}

std::string describe(const Unpickler& u, const Value& v) {
  switch (v.kind) {
    case Kind::None: return "None";
    case Kind::Bool: return "a bool";
    case Kind::Int: return "an int";
    case Kind::Float: return "a float";
    case Kind::Ref: break;
  }
  const Object& o = u.obj(v.ref);
  switch (o.kind) {
    case ObjKind::Str: return "a string";
    case ObjKind::Tuple: return "a tuple";
    case ObjKind::List: return "a list";
    case ObjKind::Dict: return "a dict";
    case ObjKind::Storage: return "a bare storage";
    case ObjKind::Tensor: return "a tensor";
    case ObjKind::Global: case ObjKind::Opaque: break;
  }
  return "a " + o.text + " object";
}

constexpr int kMaxNesting = 32;

// state dicts are (ordered) dicts of tensors; nested dicts are flattened with '.'.
void collect(const std::string& path, const Unpickler& u, const Object& dict, const std::string& prefix, int depth,
             std::vector<std::pair<std::string, const Object*>>& out) {
  if (depth > kMaxNesting)
    bad(path, "dicts nest deeper than " + std::to_string(kMaxNesting) + " levels at '" + prefix + "'");
  for (size_t i = 0; i < dict.items.size(); i += 2) {
    const Value& k = dict.items[i];
    const Value& v = dict.items[i + 1];
    if (k.kind != Kind::Ref || u.obj(k.ref).kind != ObjKind::Str)
      bad(path, "a key under '" + (prefix.empty() ? std::string("<root>") : prefix) + "' is " + describe(u, k) +
                    ", not a string");
    const std::string name = prefix.empty() ? u.obj(k.ref).text : prefix + "." + u.obj(k.ref).text;
    const Object* o = v.kind == Kind::Ref ? &u.obj(v.ref) : nullptr;
    if (o && o->kind == ObjKind::Tensor)
      out.emplace_back(name, o);
    else if (o && o->kind == ObjKind::Dict)
      collect(path, u, *o, name, depth + 1, out);
    else
      bad(path, "'" + name + "' is " + describe(u, v) + ", not a tensor");
  }
}

std::string ints_text(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

// The view must lie inside its storage; libtorch 1.13 does not check this when unpickling.
void check_view(const std::string& path, const std::string& name, const Object& t, int64_t storage_numel) {
  const std::string view = "'" + name + "' (size " + ints_text(t.sizes) + ", stride " + ints_text(t.strides) +
                           ", offset " + std::to_string(t.offset) + ")";
  if (t.sizes.size() != t.strides.size() || t.sizes.size() > 64) bad(path, view + " has a malformed shape");
  if (t.offset < 0) bad(path, view + " has a negative storage offset");
  constexpr int64_t kMax = int64_t{1} << 62;
  int64_t numel = 1, last = t.offset;
  for (size_t d = 0; d < t.sizes.size(); ++d) {
    if (t.sizes[d] < 0 || t.strides[d] < 0) bad(path, view + " has a negative size or stride");
    if (t.sizes[d] == 0) numel = 0;
    else if (numel != 0 && numel > kMax / t.sizes[d]) bad(path, view + " is impossibly large");
    else numel *= t.sizes[d];
  }
  if (numel == 0) {
    if (t.offset > storage_numel)
      bad(path, view + " starts past its storage of " + std::to_string(storage_numel) + " elements");
    return;
  }
  for (size_t d = 0; d < t.sizes.size(); ++d) {
    if (t.strides[d] != 0 && (t.sizes[d] - 1) > (kMax - last) / t.strides[d]) bad(path, view + " is impossibly large");
    last += (t.sizes[d] - 1) * t.strides[d];
  }
  if (last >= storage_numel)
    bad(path, view + " reaches element " + std::to_string(last) + " of a storage with " +
                  std::to_string(storage_numel) + " elements");
}

// Reads the whole zip-format file; the result owns its memory.
NamedTensors load(File& f) {
  const ZipIndex zip = read_zip_index(f);
  std::string archive;  // torch names the top folder after the file; data.pkl sits in it
  for (const auto& n : zip.names) {
    const auto slash = n.find('/');
    if (slash != std::string::npos && n.compare(slash, std::string::npos, "/data.pkl") == 0) {
      archive = n.substr(0, slash + 1);
      break;
    }
  }
  if (archive.empty()) bad(f.path(), "zip archive has no <name>/data.pkl record: not written by torch.save");
  if (auto it = zip.records.find(archive + "byteorder"); it != zip.records.end()) {
    if (it->second.size > 16) bad(f.path(), "byteorder record is malformed");
    std::string order(it->second.size, '\0');
    read_record(f, it->first, it->second, order.data());
    if (order != "little") bad(f.path(), "was saved on a '" + order + "'-endian machine; only little-endian is read");
  }
  constexpr uint64_t kMaxPickle = 256ull << 20;
  const Record& pkl = zip.records.at(archive + "data.pkl");
  if (pkl.size > kMaxPickle)
    bad(f.path(), "data.pkl of " + std::to_string(pkl.size) + " bytes is over the 256 MB limit");
  std::vector<unsigned char> pickle(pkl.size);
  read_record(f, archive + "data.pkl", pkl, pickle.data());

  Unpickler u(f.path() + ": data.pkl", pickle);
  const Value root = u.run();
  if (root.kind != Kind::Ref || u.obj(root.ref).kind != ObjKind::Dict)
    bad(f.path(), "holds " + describe(u, root) + ", not a state dict (a dict of tensors)");
  std::vector<std::pair<std::string, const Object*>> tensors;
  collect(f.path(), u, u.obj(root.ref), "", 0, tensors);
  if (tensors.empty()) bad(f.path(), "holds no tensors");

  // Validate everything before reading any data.
  std::unordered_map<const Object*, int> uses;  // storage -> tensors still to build from it
  for (const auto& [name, t] : tensors) {
    const Object& s = u.obj(t->storage);
    const StorageType* type = storage_type(s.storage_type);
    if (!type) bad(f.path(), "'" + name + "' is stored as " + s.storage_type + ", which is not read");
    if (!at::isFloatingType(type->dtype))
      bad(f.path(), "'" + name + "' is a " + std::string(c10::toString(type->dtype)) +
                        " tensor; only floating-point tensors are read");
    check_view(f.path(), name, *t, s.numel);
    ++uses[&s];
  }

  NamedTensors out;
  std::unordered_map<const Object*, at::Tensor> cache;  // storages still wanted by a later tensor
  for (const auto& [name, t] : tensors) {
    const Object& s = u.obj(t->storage);
    const at::ScalarType dtype = storage_type(s.storage_type)->dtype;
    at::Tensor& raw = cache[&s];
    if (!raw.defined()) {
      const std::string rec = archive + "data/" + s.text;
      const auto it = zip.records.find(rec);
      const uint64_t have = it == zip.records.end() ? 0 : it->second.size;
      if (it == zip.records.end() && s.numel > 0)
        bad(f.path(), "'" + name + "' needs zip record '" + rec + "', which is missing");
      // numel <= file size first, so the byte count cannot wrap.
      if (static_cast<uint64_t>(s.numel) > f.size() || have != static_cast<uint64_t>(s.numel) * at::elementSize(dtype))
        bad(f.path(), "'" + name + "': storage '" + s.text + "' should hold " + std::to_string(s.numel) +
                          " elements of " + std::string(c10::toString(dtype)) + " but record '" + rec + "' has " +
                          std::to_string(have) + " bytes");
      raw = at::empty({s.numel}, at::TensorOptions().dtype(dtype));
      if (have > 0) read_record(f, rec, it->second, raw.data_ptr());
    }
    const at::Tensor view = raw.as_strided(t->sizes, t->strides, t->offset);
    const bool last_use = --uses[&s] == 0;
    // The last float32 tensor that covers its whole storage takes it without a copy.
    const bool whole = t->offset == 0 && view.numel() == raw.numel() && view.is_contiguous();
    at::Tensor value = dtype == at::kFloat && last_use && whole ? view : at::empty(t->sizes, at::kFloat).copy_(view);
    if (last_use) cache.erase(&s);
    if (!out.emplace(name, std::move(value)).second)
      bad(f.path(), "two entries flatten to the same name '" + name + "'");
  }
  return out;
}

}  // namespace

NamedTensors read_torch_bin(const std::string& path) {
  File f(path);
  unsigned char magic[4] = {0, 0, 0, 0};
  if (f.size() >= 4) f.read(0, magic, 4, "file signature");
  if (std::memcmp(magic, "PK\x03\x04", 4) != 0) {
    if (magic[0] == 0x80)  // a pickle stream: torch.save(..., _use_new_zipfile_serialization=False)
      bad(path, "is in the legacy (pre-1.6, non-zip) torch.save format, which is not supported: re-save it with "
                "torch.save(torch.load(path), path) in torch >= 1.6, or convert it to model.safetensors");
    bad(path, "is not a torch.save zip archive (" + std::to_string(f.size()) + " bytes, no zip signature)");
  }
  try {
    return load(f);
  } catch (const c10::Error& e) {  // from at::empty/as_strided on sizes that passed our checks
    bad(path, e.what_without_backtrace());
  } catch (const std::bad_alloc&) {
    bad(path, "out of memory while reading tensors");
  }
}

}  // namespace ser::io
