#include "io/safetensors.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

namespace ser::io {
namespace {

using nlohmann::json;
constexpr uint64_t kMaxHeader = 100ull * 1024 * 1024;

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  throw Error(ErrorCode::Checkpoint, path + ": " + what);
}

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
  bad(path, "tensor '" + name + "' has dtype " + d + " (supported: F32, F16, BF16)");
}

std::vector<Entry> parse_header(const std::string& path, const std::string& text, uint64_t buffer_size) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    bad(path, std::string("header is not valid JSON: ") + e.what());
  }
  if (!j.is_object()) bad(path, "header is not a JSON object");
  std::vector<Entry> entries;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& name = it.key();
    const json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) bad(path, "__metadata__ must be an object of strings");
      for (auto m = v.begin(); m != v.end(); ++m)
        if (!m.value().is_string()) bad(path, "__metadata__ value '" + m.key() + "' is not a string");
      continue;
    }
    if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets") ||
        !v["dtype"].is_string() || !v["shape"].is_array() || !v["data_offsets"].is_array() || v["data_offsets"].size() != 2)
      bad(path, "tensor '" + name + "' needs dtype, shape and data_offsets [begin, end]");
    Entry e;
    e.name = name;
    e.dtype = parse_dtype(path, name, v["dtype"].get<std::string>());
    uint64_t count = 1;
    for (const auto& d : v["shape"]) {
      if (!d.is_number_unsigned() && !(d.is_number_integer() && d.get<int64_t>() >= 0))
        bad(path, "tensor '" + name + "' has a negative or non-integer dimension");
      const uint64_t n = d.get<uint64_t>();
      if (n != 0 && count > std::numeric_limits<uint64_t>::max() / 8 / n) bad(path, "tensor '" + name + "' is impossibly large");
      count *= n;
      e.shape.push_back(static_cast<int64_t>(n));
    }
    for (const auto& o : v["data_offsets"])
      if (!o.is_number_unsigned() && !(o.is_number_integer() && o.get<int64_t>() >= 0))
        bad(path, "tensor '" + name + "' has invalid data_offsets");
    e.begin = v["data_offsets"][0].get<uint64_t>();
    e.end = v["data_offsets"][1].get<uint64_t>();
    if (e.begin > e.end || e.end > buffer_size)
      bad(path, "tensor '" + name + "' data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                    "] lie outside the " + std::to_string(buffer_size) + "-byte data (truncated file?)");
    const uint64_t bytes = count * static_cast<uint64_t>(at::elementSize(e.dtype));
    if (e.end - e.begin != bytes)
      bad(path, "tensor '" + name + "' holds " + std::to_string(e.end - e.begin) + " bytes, its shape and dtype need " +
                    std::to_string(bytes));
    entries.push_back(std::move(e));
  }
  auto sorted = entries;
  std::sort(sorted.begin(), sorted.end(), [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < sorted.size(); ++i)
    if (sorted[i].begin < sorted[i - 1].end && sorted[i].end > sorted[i].begin)
      bad(path, "tensors '" + sorted[i - 1].name + "' and '" + sorted[i].name + "' overlap");
  return entries;
}

}  // namespace

NamedTensors read_safetensors(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) bad(path, "no such file");
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < 8) bad(path, "file is too short to be safetensors (" + std::to_string(size) + " bytes)");
  std::ifstream in(path, std::ios::binary);
  if (!in) bad(path, "cannot open");
  unsigned char len_bytes[8];
  in.read(reinterpret_cast<char*>(len_bytes), 8);
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | len_bytes[i];
  if (header_len > kMaxHeader || header_len > size - 8)
    bad(path, "header length " + std::to_string(header_len) + " exceeds the file (" + std::to_string(size) + " bytes)");
  std::string header(header_len, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header_len));
  if (!in) bad(path, "cannot read the header");
  const uint64_t buffer_size = size - 8 - header_len;
  auto entries = parse_header(path, header, buffer_size);
  NamedTensors out;
  const uint64_t base = 8 + header_len;
  for (const auto& e : entries) {
    auto raw = at::empty(e.shape, at::TensorOptions().dtype(e.dtype));
    if (e.end > e.begin) {
      in.seekg(static_cast<std::streamoff>(base + e.begin));
      in.read(static_cast<char*>(raw.data_ptr()), static_cast<std::streamsize>(e.end - e.begin));
      if (!in) bad(path, "cannot read tensor '" + e.name + "'");
    }
    out.emplace(e.name, raw.to(at::kFloat).contiguous());
  }
  return out;
}

void write_safetensors(const std::string& path, const NamedTensors& tensors, const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  std::vector<at::Tensor> blobs;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {  // std::map: sorted names
    auto f = t.detach().to(at::kCPU, at::kFloat).contiguous();
    const uint64_t bytes = static_cast<uint64_t>(f.numel()) * 4;
    header[name] = {{"dtype", "F32"}, {"shape", f.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    blobs.push_back(f);
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw Error(ErrorCode::Io, "cannot write " + tmp);
  unsigned char len_bytes[8];
  uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) len_bytes[i] = static_cast<unsigned char>(n >> (8 * i));
  bool ok = std::fwrite(len_bytes, 1, 8, f) == 8 && std::fwrite(text.data(), 1, text.size(), f) == text.size();
  for (const auto& b : blobs) {
    if (!ok) break;
    const size_t bytes = static_cast<size_t>(b.numel()) * 4;
    ok = std::fwrite(b.data_ptr(), 1, bytes, f) == bytes;
  }
  ok = ok && std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
  ok = std::fclose(f) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error(ErrorCode::Io, "cannot write " + path);
  }
}

}  // namespace ser::io
