#include "io/pickle_machine.h"

#include <cstdio>
#include <cstring>
#include <exception>

#include "error.h"
#include "io/zip_archive.h"  // detail::read_le

namespace ser::io::detail {
namespace {

// One run of Python's pickle machine (stack, MARKs, memo) over one pickle, building the arena.
class Unpickler {
 public:
  Unpickler(const std::string& where, const std::vector<unsigned char>& data, size_t start)
      : where_(where), data_(data), pos_(start) {}

  Unpickled run() {
    while (true) {
      const size_t at = pos_;
      const unsigned char op = take(1)[0];
      if (op == '.') {
        PickleValue root = pop();
        if (!stack_.empty() || !marks_.empty()) fail("leaves values behind at STOP");
        return Unpickled{root, std::move(objects_), pos_};
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

 private:
  [[noreturn]] void fail(const std::string& what) const { fail_at(ErrorCode::Checkpoint, where_, what); }
  [[noreturn]] void fail_near(const std::string& what) const {
    fail(what + " (near byte " + std::to_string(pos_) + ")");
  }

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
    if (pos_ >= data_.size() || data_[pos_] != '\n') fail_near("has an unterminated GLOBAL name");
    return std::string(reinterpret_cast<const char*>(data_.data() + start), pos_++ - start);
  }

  PickleValue ref(size_t r) {
    PickleValue v;
    v.kind = ValueKind::Ref, v.ref = r;
    return v;
  }
  PickleValue make(ObjectKind k, std::string text = {}) {
    objects_.emplace_back();
    objects_.back().kind = k;
    objects_.back().text = std::move(text);
    return ref(objects_.size() - 1);
  }
  PickleValue integer(int64_t i) {
    PickleValue v;
    v.kind = ValueKind::Int, v.i = i;
    return v;
  }
  PickleObject* as(const PickleValue& v, ObjectKind k) {
    return v.kind == ValueKind::Ref && objects_[v.ref].kind == k ? &objects_[v.ref] : nullptr;
  }
  PickleObject& need(const PickleValue& v, ObjectKind k, const char* what) {
    PickleObject* o = as(v, k);
    if (!o) fail_near(std::string("expects ") + what);
    return *o;
  }

  PickleValue pop() {
    if (stack_.empty() || (!marks_.empty() && marks_.back() == stack_.size())) fail_near("pops an empty stack");
    PickleValue v = stack_.back();
    stack_.pop_back();
    return v;
  }
  std::vector<PickleValue> pop_to_mark() {
    if (marks_.empty()) fail_near("uses a MARK that was never set");
    std::vector<PickleValue> items(stack_.begin() + static_cast<std::ptrdiff_t>(marks_.back()), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }

  void setitem(PickleValue dict, const PickleValue& key, const PickleValue& value) {
    PickleObject& d = need(dict, ObjectKind::Dict, "a dict for SETITEM");
    if (const PickleObject* k = as(key, ObjectKind::Str)) {
      auto [it, fresh] = d.str_keys.emplace(k->text, d.items.size());
      if (!fresh) {  // Python semantics: a repeated key replaces the value
        d.items[it->second + 1] = value;
        return;
      }
    }
    d.items.push_back(key);
    d.items.push_back(value);
  }

  PickleValue text_value(size_t n) {
    const unsigned char* p = take(n);
    return make(ObjectKind::Str, std::string(reinterpret_cast<const char*>(p), n));
  }

  void step(unsigned char op) {
    // The opcode table is laid out by hand: one opcode a line, its pickle name aligned on the right.
    // clang-format off
    switch (op) {
      case 0x80: if (take(1)[0] > 5) fail_near("uses an unknown pickle protocol"); break;         // PROTO
      case 0x95: take(8); break;                                                                // FRAME
      case '(': marks_.push_back(stack_.size()); break;                                         // MARK
      case 'N': stack_.push_back(PickleValue{}); break;                                         // NONE
      case 0x88: case 0x89: { PickleValue v; v.kind = ValueKind::Bool, v.i = op == 0x88; stack_.push_back(v); break; }
      case 'J': stack_.push_back(integer(static_cast<int32_t>(read_le(take(4), 4)))); break;    // BININT
      case 'K': stack_.push_back(integer(take(1)[0])); break;                                   // BININT1
      case 'M': stack_.push_back(integer(static_cast<int64_t>(read_le(take(2), 2)))); break;    // BININT2
      case 0x8a: case 0x8b: {                                                                   // LONG1, LONG4
        const uint64_t n = op == 0x8a ? take(1)[0] : read_le(take(4), 4);
        if (n > 8) fail_near("holds an integer wider than 64 bits");
        const unsigned char* p = take(n);
        uint64_t u = n ? read_le(p, static_cast<int>(n)) : 0;
        if (n && n < 8 && (p[n - 1] & 0x80)) u |= ~uint64_t{0} << (8 * n);  // sign-extend
        stack_.push_back(integer(static_cast<int64_t>(u)));
        break;
      }
      case 'G': {                                                                               // BINFLOAT, big-endian
        const unsigned char* p = take(8);
        uint64_t u = 0;
        for (int i = 0; i < 8; ++i) u = (u << 8) | p[i];
        PickleValue v;
        v.kind = ValueKind::Float;
        std::memcpy(&v.f, &u, 8);
        stack_.push_back(v);
        break;
      }
      case 'X': case 'B': stack_.push_back(text_value(read_le(take(4), 4))); break;             // BINUNICODE, BINBYTES
      case 0x8c: case 'C': case 'U': stack_.push_back(text_value(take(1)[0])); break;           // SHORT_BIN*
      case 0x8d: case 0x8e: stack_.push_back(text_value(read_le(take(8), 8))); break;           // *8 variants
      case '}': stack_.push_back(make(ObjectKind::Dict)); break;
      case ']': stack_.push_back(make(ObjectKind::List)); break;
      case ')': stack_.push_back(make(ObjectKind::Tuple)); break;
      case 't': case 'l': {                                                                     // TUPLE, LIST
        auto items = pop_to_mark();
        PickleValue v = make(op == 't' ? ObjectKind::Tuple : ObjectKind::List);
        objects_[v.ref].items = std::move(items);
        stack_.push_back(v);
        break;
      }
      case 0x85: case 0x86: case 0x87: {                                                        // TUPLE1..3
        std::vector<PickleValue> items(static_cast<size_t>(op - 0x84));
        for (auto it = items.rbegin(); it != items.rend(); ++it) *it = pop();
        PickleValue v = make(ObjectKind::Tuple);
        objects_[v.ref].items = std::move(items);
        stack_.push_back(v);
        break;
      }
      case 'd': {                                                                               // DICT
        auto items = pop_to_mark();
        if (items.size() % 2) fail_near("builds a dict from an odd number of items");
        PickleValue d = make(ObjectKind::Dict);
        for (size_t i = 0; i < items.size(); i += 2) setitem(d, items[i], items[i + 1]);
        stack_.push_back(d);
        break;
      }
      case 'a': {                                                                               // APPEND
        PickleValue v = pop();
        need(top(), ObjectKind::List, "a list for APPEND").items.push_back(v);
        break;
      }
      case 'e': {                                                                               // APPENDS
        auto items = pop_to_mark();
        auto& list = need(top(), ObjectKind::List, "a list for APPENDS").items;
        list.insert(list.end(), items.begin(), items.end());
        break;
      }
      case 's': {                                                                               // SETITEM
        PickleValue value = pop(), key = pop();
        setitem(top(), key, value);
        break;
      }
      case 'u': {                                                                               // SETITEMS
        auto items = pop_to_mark();
        if (items.size() % 2) fail_near("sets an odd number of dict items");
        for (size_t i = 0; i < items.size(); i += 2) setitem(top(), items[i], items[i + 1]);
        break;
      }
      case 'q': memo_[take(1)[0]] = top(); break;                                               // BINPUT
      case 'r': memo_[read_le(take(4), 4)] = top(); break;                                      // LONG_BINPUT
      case 0x94: memo_[memo_.size()] = top(); break;                                            // MEMOIZE
      case 'h': case 'j': {                                                                     // BINGET, LONG_BINGET
        const uint64_t k = op == 'h' ? take(1)[0] : read_le(take(4), 4);
        auto it = memo_.find(k);
        if (it == memo_.end()) fail_near("reads memo slot " + std::to_string(k) + " that was never written");
        stack_.push_back(it->second);
        break;
      }
      case 'c': {                                                                               // GLOBAL
        std::string module = line();
        stack_.push_back(make(ObjectKind::Global, module + "." + line()));
        break;
      }
      case 0x93: {                                                                              // STACK_GLOBAL
        PickleValue name = pop(), module = pop();
        const std::string n = need(name, ObjectKind::Str, "a name for STACK_GLOBAL").text;
        const std::string m = need(module, ObjectKind::Str, "a module for STACK_GLOBAL").text;
        stack_.push_back(make(ObjectKind::Global, m + "." + n));
        break;
      }
      case 'Q': stack_.push_back(persistent_load(pop())); break;                                // BINPERSID
      case 'R': {                                                                               // REDUCE
        PickleValue args = pop(), fn = pop();
        stack_.push_back(call(need(fn, ObjectKind::Global, "a global to call").text,
                              need(args, ObjectKind::Tuple, "an argument tuple").items));
        break;
      }
      case 0x81: {                                                                              // NEWOBJ
        PickleValue args = pop(), cls = pop();
        need(args, ObjectKind::Tuple, "an argument tuple");
        const std::string name = need(cls, ObjectKind::Global, "a class for NEWOBJ").text;
        stack_.push_back(name == "collections.OrderedDict" ? make(ObjectKind::Dict) : make(ObjectKind::Opaque, name));
        break;
      }
      case 'b': pop(); top(); break;  // BUILD: object state (state_dict's `_metadata`) is not needed
      case '0': pop(); break;                                                                   // POP
      case '1': pop_to_mark(); break;                                                           // POP_MARK
      case '2': stack_.push_back(top()); break;                                                 // DUP
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        fail("uses pickle opcode " + std::string(hex) + " at byte " + std::to_string(pos_ - 1) +
             ", which a torch.save state dict never needs");
      }
    }
    // clang-format on
  }

  const PickleValue& top() {
    if (stack_.empty() || (!marks_.empty() && marks_.back() == stack_.size())) fail_near("reads an empty stack");
    return stack_.back();
  }

  // torch.save's persistent id: ('storage', torch.<Type>Storage, key, location, numel).
  // The location is ignored: everything is read to the CPU, as map_location='cpu' does.
  PickleValue persistent_load(const PickleValue& pid) {
    const auto& t = need(pid, ObjectKind::Tuple, "a storage tuple as persistent id").items;
    const PickleObject* tag = t.empty() ? nullptr : as(t[0], ObjectKind::Str);
    if (t.size() < 5 || !tag || tag->text != "storage")
      fail_near("has a persistent id that is not ('storage', type, key, location, numel)");
    if (t.size() > 5 && t[5].kind != ValueKind::None) fail_near("has a storage view (legacy format)");
    const std::string type = need(t[1], ObjectKind::Global, "a storage type").text;
    const std::string key = need(t[2], ObjectKind::Str, "a storage key").text;
    if (t[4].kind != ValueKind::Int || t[4].i < 0) fail_near("has storage '" + key + "' with an invalid element count");
    auto [it, fresh] = storages_.emplace(key, 0);
    if (!fresh) {
      const PickleObject& s = objects_[it->second];
      if (s.storage_type != type || s.numel != t[4].i) fail_near("describes storage '" + key + "' twice, differently");
      return ref(it->second);
    }
    PickleValue v = make(ObjectKind::Storage, key);
    objects_[v.ref].storage_type = type;
    objects_[v.ref].numel = t[4].i;
    it->second = v.ref;
    return v;
  }

  std::vector<int64_t> int_tuple(const PickleValue& v, const char* what) {
    std::vector<int64_t> out;
    for (const auto& x : need(v, ObjectKind::Tuple, what).items) {
      if (x.kind != ValueKind::Int) fail_near(std::string("expects integers in ") + what);
      out.push_back(x.i);
    }
    return out;
  }

  // The only callables: containers and torch's tensor rebuilders. Anything else becomes an opaque
  // placeholder, so the error can later name the state-dict key that holds it.
  PickleValue call(const std::string& fn, const std::vector<PickleValue>& args) {
    if (fn == "collections.OrderedDict" || fn == "builtins.dict") {
      if (!args.empty()) fail_near("calls " + fn + " with arguments");
      return make(ObjectKind::Dict);
    }
    if (fn == "torch._utils._rebuild_tensor_v2" || fn == "torch._utils._rebuild_tensor") {
      if (args.size() < 4) fail_near("calls " + fn + " with too few arguments");
      PickleValue t = make(ObjectKind::Tensor);
      PickleObject& o = objects_[t.ref];
      if (!as(args[0], ObjectKind::Storage)) fail_near("rebuilds a tensor without a storage");
      if (args[1].kind != ValueKind::Int) fail_near("rebuilds a tensor with a non-integer offset");
      o.storage = args[0].ref, o.offset = args[1].i;
      o.sizes = int_tuple(args[2], "a tensor size");
      o.strides = int_tuple(args[3], "a tensor stride");
      return t;
    }
    if (fn == "torch._utils._rebuild_parameter" || fn == "torch._utils._rebuild_parameter_with_state") {
      if (args.empty() || !as(args[0], ObjectKind::Tensor)) fail_near("rebuilds a parameter without a tensor");
      return args[0];
    }
    return make(ObjectKind::Opaque, fn);
  }

  std::string where_;
  const std::vector<unsigned char>& data_;
  size_t pos_ = 0;
  std::vector<PickleValue> stack_;
  std::vector<size_t> marks_;  // stack heights at the open MARKs
  std::unordered_map<uint64_t, PickleValue> memo_;
  std::deque<PickleObject> objects_;
  std::unordered_map<std::string, size_t> storages_;  // storage key -> its one object, shared by its views
};

}  // namespace

Unpickled unpickle(const std::string& where, const std::vector<unsigned char>& pickle, size_t start) {
  if (start > pickle.size()) throw Error(ErrorCode::Checkpoint, where + ": starts past the end of the data");
  return Unpickler(where, pickle, start).run();
}

}  // namespace ser::io::detail
