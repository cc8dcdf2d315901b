#include "io/safetensors.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <vector>

#include <ATen/ATen.h>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include "config/untrusted_json.h"
#include "error.h"

namespace ser::io {
namespace {

using nlohmann::json;
constexpr uint64_t kMaxHeader = 100ull * 1024 * 1024;
constexpr size_t kMaxDims = 32;  // far above any real weight; bounds the shape vector

struct Entry {
  std::string name;
  at::ScalarType dtype;
  std::vector<int64_t> shape;
  uint64_t begin, end;
};

at::ScalarType parse_dtype(const std::string& path, const std::string& name, const std::string& d) {
  if (d == "F32") return at::kFloat;
  if (d == "F16") return at::kHalf;
  if (d == "BF16") return at::kBFloat16;
  fail_at(ErrorCode::Checkpoint, path, "tensor '" + name + "' has dtype " + d + " (supported: F32, F16, BF16)");
}

bool is_non_negative_int(const json& v) {
  return v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
}

// nlohmann keeps the last of two equal keys; the parse callback sees every key, so a
// duplicate (two tensors under one name) is caught instead of silently dropped.
json parse_json(const std::string& path, const std::string& text) {
  json j = parse_untrusted_json(
      text,
      [&](const std::string& m) {
        const std::string invalid = "invalid JSON: ";
        fail_at(ErrorCode::Checkpoint, path,
                "header is not valid JSON: " + (m.rfind(invalid, 0) == 0 ? m.substr(invalid.size()) : m));
      },
      {/*refuse_duplicate_keys=*/true});
  if (!j.is_object()) fail_at(ErrorCode::Checkpoint, path, "header is not a JSON object");
  return j;
}

void check_metadata(const std::string& path, const json& v) {
  if (!v.is_object()) fail_at(ErrorCode::Checkpoint, path, "__metadata__ must be an object of strings");
  for (auto m = v.begin(); m != v.end(); ++m)
    if (!m.value().is_string())
      fail_at(ErrorCode::Checkpoint, path, "__metadata__ value '" + m.key() + "' is not a string");
}

Entry parse_entry(const std::string& path, const std::string& name, const json& v, uint64_t buffer_size) {
  const std::string t = "tensor '" + name + "' ";
  if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets") ||
      !v["dtype"].is_string() || !v["shape"].is_array() || !v["data_offsets"].is_array() ||
      v["data_offsets"].size() != 2)
    fail_at(ErrorCode::Checkpoint, path, t + "needs dtype (string), shape (array) and data_offsets [begin, end]");
  Entry e;
  e.name = name;
  e.dtype = parse_dtype(path, name, v["dtype"].get<std::string>());
  if (v["shape"].size() > kMaxDims)
    fail_at(ErrorCode::Checkpoint, path, t + "has " + std::to_string(v["shape"].size()) + " dimensions");
  uint64_t count = 1;
  for (const auto& d : v["shape"]) {
    if (!is_non_negative_int(d))
      fail_at(ErrorCode::Checkpoint, path, t + "has shape dimension " + d.dump() + " (must be an integer >= 0)");
    const uint64_t n = d.get<uint64_t>();
    // Bounded by max/8 so count * element size can never wrap (and fits int64).
    if (n != 0 && count > std::numeric_limits<uint64_t>::max() / 8 / n)
      fail_at(ErrorCode::Checkpoint, path, t + "has an impossibly large shape");
    count *= n;
    e.shape.push_back(static_cast<int64_t>(n));
  }
  for (const auto& o : v["data_offsets"])
    if (!is_non_negative_int(o))
      fail_at(ErrorCode::Checkpoint, path, t + "has data_offset " + o.dump() + " (must be an integer >= 0)");
  e.begin = v["data_offsets"][0].get<uint64_t>();
  e.end = v["data_offsets"][1].get<uint64_t>();
  if (e.begin > e.end)
    fail_at(ErrorCode::Checkpoint, path,
            t + "has data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "] with begin > end");
  if (e.end > buffer_size)
    fail_at(ErrorCode::Checkpoint, path,
            t + "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "] lie outside the " +
                std::to_string(buffer_size) + "-byte data (truncated file?)");
  const uint64_t bytes = count * static_cast<uint64_t>(at::elementSize(e.dtype));
  if (e.end - e.begin != bytes)
    fail_at(
        ErrorCode::Checkpoint, path,
        t + "holds " + std::to_string(e.end - e.begin) + " bytes, its shape and dtype need " + std::to_string(bytes));
  return e;
}

// The tensors must tile the data buffer exactly, as the safetensors format requires: two tensors
// sharing bytes is corruption or an attack; a gap, or bytes left over at the end, means the header
// length or the offsets are off (one byte short loaded before and predicted NaN). Empty tensors
// occupy nothing.
void check_coverage(const std::string& path, std::vector<Entry> entries, uint64_t buffer_size) {
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
  uint64_t reach = 0;  // where the tensors so far end, with the tensor that ends there
  const Entry* owner = nullptr;
  for (const auto& e : entries) {
    if (e.begin == e.end) continue;
    if (e.begin < reach)
      fail_at(ErrorCode::Checkpoint, path,
              "tensors '" + owner->name + "' and '" + e.name + "' overlap at byte offset " + std::to_string(e.begin));
    if (e.begin > reach)
      fail_at(ErrorCode::Checkpoint, path,
              "bytes " + std::to_string(reach) + ".." + std::to_string(e.begin) + " of the data belong to no tensor (" +
                  (owner ? "after '" + owner->name + "'" : std::string("at the start")) +
                  "): offsets or header length are off");
    reach = e.end, owner = &e;
  }
  if (reach != buffer_size)
    fail_at(ErrorCode::Checkpoint, path,
            "the tensors cover " + std::to_string(reach) + " bytes of data, the file holds " +
                std::to_string(buffer_size) + " after the header: offsets or header length are off");
}

std::vector<Entry> parse_header(const std::string& path, const std::string& text, uint64_t buffer_size) {
  const json j = parse_json(path, text);
  std::vector<Entry> entries;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "__metadata__") check_metadata(path, it.value());
    else entries.push_back(parse_entry(path, it.key(), it.value(), buffer_size));
  }
  check_coverage(path, entries, buffer_size);
  return entries;
}

std::string errno_text() { return std::strerror(errno); }

}  // namespace

namespace {

// The validated header of an open file; `in` is left open for reading tensors.
struct OpenFile {
  std::ifstream in;
  uint64_t base = 0;  // where the data buffer starts
  std::vector<Entry> entries;
};

void open_file(const std::string& path, OpenFile& f) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail_at(ErrorCode::Checkpoint, path, "cannot open (" + errno_text() + ")");
  if (!S_ISREG(st.st_mode)) fail_at(ErrorCode::Checkpoint, path, "is not a regular file");
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < 8)
    fail_at(ErrorCode::Checkpoint, path, "file is too short to be safetensors (" + std::to_string(size) + " bytes)");
  f.in.open(path, std::ios::binary);
  auto& in = f.in;
  if (!in) fail_at(ErrorCode::Checkpoint, path, "cannot open (" + errno_text() + ")");
  unsigned char len_bytes[8];
  in.read(reinterpret_cast<char*>(len_bytes), 8);
  if (!in) fail_at(ErrorCode::Checkpoint, path, "cannot read the header length");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | len_bytes[i];
  if (header_len > size - 8)
    fail_at(ErrorCode::Checkpoint, path,
            "header length " + std::to_string(header_len) + " exceeds the file (" + std::to_string(size) + " bytes)");
  if (header_len > kMaxHeader)
    fail_at(ErrorCode::Checkpoint, path, "header length " + std::to_string(header_len) + " is over the 100 MB limit");
  std::string header(header_len, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header_len));
  if (!in) fail_at(ErrorCode::Checkpoint, path, "cannot read the " + std::to_string(header_len) + "-byte header");
  f.entries = parse_header(path, header, size - 8 - header_len);
  f.base = 8 + header_len;
}

}  // namespace

std::vector<std::string> read_safetensors_names(const std::string& path) {
  OpenFile f;
  open_file(path, f);
  std::vector<std::string> names;
  for (const auto& e : f.entries) names.push_back(e.name);
  return names;
}

NamedTensors read_safetensors(const std::string& path) {
  OpenFile f;
  open_file(path, f);
  auto& in = f.in;
  const auto& entries = f.entries;
  // Every allocation below is one validated tensor, inside the file and overlapping no other.
  NamedTensors out;
  const uint64_t base = f.base;
  for (const auto& e : entries) {
    auto raw = at::empty(e.shape, at::TensorOptions().dtype(e.dtype));
    if (e.end > e.begin) {
      in.seekg(static_cast<std::streamoff>(base + e.begin));
      in.read(static_cast<char*>(raw.data_ptr()), static_cast<std::streamsize>(e.end - e.begin));
      if (!in)
        fail_at(ErrorCode::Checkpoint, path,
                "cannot read tensor '" + e.name + "' at byte offset " + std::to_string(base + e.begin));
    }
    out.emplace(e.name, raw.to(at::kFloat).contiguous());  // F32: `raw` itself, which owns its memory
  }
  return out;
}

namespace {

[[noreturn]] void write_failed(const std::string& path, const std::string& what) {
  throw Error(ErrorCode::Io, "cannot write " + path + ": " + what);
}

std::string build_header(const std::string& path, const NamedTensors& tensors,
                         const std::map<std::string, std::string>& metadata, std::vector<at::Tensor>& blobs) {
  json header = json::object();
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {  // std::map: names sorted, data in the same order
    if (name == "__metadata__") write_failed(path, "'__metadata__' is reserved and cannot name a tensor");
    if (!t.defined()) write_failed(path, "tensor '" + name + "' is undefined");
    auto f = t.detach().to(at::kCPU, at::kFloat).contiguous();
    const uint64_t bytes = static_cast<uint64_t>(f.numel()) * sizeof(float);
    header[name] = {{"dtype", "F32"}, {"shape", f.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    blobs.push_back(f);
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string text;
  try {
    text = header.dump();
  } catch (const json::exception& e) {  // names or metadata that are not UTF-8
    write_failed(path, std::string("header cannot be encoded: ") + e.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data 8-byte aligned for mmap readers
  return text;
}

// After the rename, the directory entry itself must reach the disk for the write to survive a crash.
void sync_parent_dir(const std::string& path) {
  const auto slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

}  // namespace

void write_safetensors(const std::string& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<at::Tensor> blobs;
  const std::string text = build_header(path, tensors, metadata, blobs);
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) write_failed(path, "cannot create " + tmp + " (" + errno_text() + ")");
  unsigned char len_bytes[8];
  const uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) len_bytes[i] = static_cast<unsigned char>(n >> (8 * i));
  bool ok = std::fwrite(len_bytes, 1, 8, f) == 8 && std::fwrite(text.data(), 1, text.size(), f) == text.size();
  for (const auto& b : blobs) {
    if (!ok) break;
    const size_t bytes = static_cast<size_t>(b.numel()) * sizeof(float);
    ok = bytes == 0 || std::fwrite(b.data_ptr(), 1, bytes, f) == bytes;
  }
  ok = ok && std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
  std::string why = ok ? "" : errno_text();
  if (std::fclose(f) != 0 && ok) ok = false, why = errno_text();
  if (ok && std::rename(tmp.c_str(), path.c_str()) != 0) ok = false, why = "rename failed: " + errno_text();
  if (!ok) {
    std::remove(tmp.c_str());
    write_failed(path, why);
  }
  sync_parent_dir(path);
}

}  // namespace ser::io
