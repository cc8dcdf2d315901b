// Checkpoint readers and the safetensors writer. Hostile safetensors files are crafted here byte by
// byte; F16/BF16 and torch.save files come from scripts/make-io-fixtures.py (test/fixtures/io/),
// whose values are repeated below and compared exactly.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "error.h"
#include "io/safetensors.h"
#include "io/torch_bin.h"
#include "temp_dir.h"
// Last: its CHECK replaces the glog CHECK that torch's headers bring in.
#include "harness.h"

namespace {

namespace fs = std::filesystem;
using ser::ErrorCode;
using ser::io::NamedTensors;

using ser_test::TempDir;

std::string fixture(const std::string& name) { return ser_test::fixtures_dir() + "/io/" + name; }

void write_bytes(const std::string& path, const std::string& bytes) {
  // A new file rather than a truncated one: ext4 flushes truncate-and-rewrite to disk (slow in loops).
  std::error_code ec;
  fs::remove(path, ec);
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw ser_test::Failure("cannot write " + path);
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string le64(uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(n >> (8 * i));
  return s;
}

// A safetensors file from a header text and a data buffer (the length prefix is computed).
std::string safetensors_bytes(const std::string& header, const std::string& data) {
  return le64(header.size()) + header + data;
}

std::string floats(std::initializer_list<float> v) {
  return std::string(reinterpret_cast<const char*>(v.begin()), v.size() * sizeof(float));
}

// Runs `f`, which must throw ser::Error with `code`; returns its message.
template <typename F>
std::string error_of(F f, ErrorCode code = ErrorCode::Checkpoint) {
  try {
    f();
  } catch (const ser::Error& e) {
    if (e.code() != code)
      throw ser_test::Failure(std::string("wrong code ") + ser::error_code_name(e.code()) + ": " + e.what());
    return e.what();
  }
  throw ser_test::Failure("no ser::Error thrown");
}

std::vector<float> values(const at::Tensor& t) {
  auto c = t.contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// Float32, contiguous, CPU, with the given shape and values.
bool is(const at::Tensor& t, std::vector<int64_t> shape, std::vector<float> v) {
  return t.defined() && t.scalar_type() == at::kFloat && t.device().is_cpu() && t.is_contiguous() &&
         t.sizes().vec() == shape && values(t) == v;
}

// The header's message for a one-tensor file "w" (F32) with the given entry fields.
std::string st_error(const TempDir& dir, const std::string& header, const std::string& data) {
  const std::string p = dir.file("bad.safetensors");
  write_bytes(p, safetensors_bytes(header, data));
  const std::string msg = error_of([&] { ser::io::read_safetensors(p); });
  if (!contains(msg, p)) throw ser_test::Failure("message does not name the file: " + msg);
  return msg;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// safetensors
// ---------------------------------------------------------------------------------------------

TEST_CASE("safetensors: write then read round-trips values and shapes as float32") {
  TempDir dir;
  const std::string p = dir.file("model.safetensors");
  auto base = at::arange(6, at::kFloat).reshape({2, 3});
  NamedTensors in{{"b.weight", base},
                  {"a.transposed", base.t()},  // non-contiguous: written in logical order
                  {"c.double", at::full({2}, 0.1, at::kDouble)},
                  {"d.half", at::full({1, 2}, -1.5, at::kHalf)},
                  {"e.scalar", at::full({}, 3.0f)},
                  {"f.empty", at::empty({0, 4})},
                  {"g.grad", at::ones({2}).requires_grad_()}};
  ser::io::write_safetensors(p, in, {{"format", "pt"}});
  auto out = ser::io::read_safetensors(p);
  CHECK(out.size() == in.size());
  CHECK(is(out["b.weight"], {2, 3}, {0, 1, 2, 3, 4, 5}));
  CHECK(is(out["a.transposed"], {3, 2}, {0, 3, 1, 4, 2, 5}));
  CHECK(is(out["c.double"], {2}, {0.1f, 0.1f}));
  CHECK(is(out["d.half"], {1, 2}, {-1.5f, -1.5f}));
  CHECK(is(out["e.scalar"], {}, {3.0f}));
  CHECK(is(out["f.empty"], {0, 4}, {}));
  CHECK(is(out["g.grad"], {2}, {1, 1}));
  // Owned memory: the result outlives the file.
  fs::remove(p);
  CHECK(values(out["b.weight"])[5] == 5.0f);
}

TEST_CASE("safetensors: writer layout is sorted, F32, 8-byte padded, with metadata and no temp left") {
  TempDir dir;
  const std::string p = dir.file("model.safetensors");
  ser::io::write_safetensors(p, {{"z", at::ones({3})}, {"a", at::zeros({2}, at::kHalf)}}, {{"k", "v"}});
  const std::string bytes = read_bytes(p);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
  CHECK(n % 8 == 0);
  CHECK(bytes.size() == 8 + n + 5 * 4);
  const std::string header = bytes.substr(8, n);
  CHECK(header.find("\"a\"") < header.find("\"z\""));
  CHECK(contains(header, "\"dtype\":\"F32\""));
  CHECK(!contains(header, "F16"));
  CHECK(contains(header, "\"__metadata__\":{\"k\":\"v\"}"));
  CHECK(contains(header, "\"data_offsets\":[0,8]"));  // "a" first: 2 floats
  CHECK(contains(header, "\"data_offsets\":[8,20]"));
  CHECK(header.back() == ' ' || header.back() == '}');
  for (const auto& e : fs::directory_iterator(dir.path)) CHECK(e.path().filename() == "model.safetensors");
  // Overwriting replaces the file whole.
  ser::io::write_safetensors(p, {{"only", at::ones({1})}});
  auto out = ser::io::read_safetensors(p);
  CHECK(out.size() == 1 && is(out["only"], {1}, {1}));
}

TEST_CASE("safetensors: writer failures are ERR_IO naming the path, leaving no temp file") {
  TempDir dir;
  const std::string missing = dir.file("no/such/dir/model.safetensors");
  auto m = error_of([&] { ser::io::write_safetensors(missing, {{"w", at::ones({1})}}); }, ErrorCode::Io);
  CHECK(contains(m, missing));
  const std::string p = dir.file("model.safetensors");
  CHECK(contains(error_of(
                     [&] {
                       ser::io::write_safetensors(p, {{"__metadata__", at::ones({1})}});
                     },
                     ErrorCode::Io),
                 "reserved"));
  CHECK(contains(error_of([&] { ser::io::write_safetensors(p, {{"w", at::Tensor()}}); }, ErrorCode::Io), "'w'"));
  CHECK(contains(error_of(
                     [&] {
                       ser::io::write_safetensors(p, {{"w\xff", at::ones({1})}});
                     },
                     ErrorCode::Io),
                 "cannot be encoded"));
  // A directory where the file should go: the rename fails and the temp file is removed.
  fs::create_directory(p);
  fs::create_directory(p + "/keep");  // non-empty, so rename(2) cannot replace it
  error_of([&] { ser::io::write_safetensors(p, {{"w", at::ones({1})}}); }, ErrorCode::Io);
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir.path)) {
    ++entries;
    CHECK(e.path().filename() == "model.safetensors");
  }
  CHECK(entries == 1);
}

TEST_CASE("safetensors: F16, BF16, F32, scalar and empty tensors from a hand-written file") {
  auto out = ser::io::read_safetensors(fixture("half.safetensors"));
  CHECK(out.size() == 5);
  CHECK(is(out["f16"], {2, 3}, {0.0f, 1.0f, -2.0f, 0.5f, 65504.0f, std::ldexp(1.0f, -24)}));
  CHECK(is(out["bf16"], {4}, {1.0f, -0.25f, 3.140625f, std::ldexp(1.5f, 100)}));
  CHECK(is(out["f32"], {2}, {0.1f, -7.25f}));
  CHECK(is(out["scalar"], {}, {-1.5f}));
  CHECK(is(out["empty"], {0, 3}, {}));
}

TEST_CASE("safetensors: every truncation of a valid file is ERR_CHECKPOINT") {
  TempDir dir;
  const std::string good = dir.file("good.safetensors"), p = dir.file("cut.safetensors");
  ser::io::write_safetensors(good, {{"a", at::ones({2, 2})}, {"b", at::zeros({3})}});
  const std::string bytes = read_bytes(good);
  for (size_t n = 0; n < bytes.size(); ++n) {
    write_bytes(p, bytes.substr(0, n));
    CHECK(contains(error_of([&] { ser::io::read_safetensors(p); }), p));
  }
}

TEST_CASE("safetensors: every flipped byte is read or refused, never a crash") {
  TempDir dir;
  const std::string good = dir.file("good.safetensors"), p = dir.file("flip.safetensors");
  ser::io::write_safetensors(good, {{"a", at::ones({2, 2})}, {"b", at::zeros({3})}}, {{"k", "v"}});
  const std::string bytes = read_bytes(good);
  for (size_t i = 0; i < bytes.size(); ++i)
    for (unsigned char x : {0x01, 0x80, 0xff}) {
      std::string b = bytes;
      b[i] = static_cast<char>(b[i] ^ x);
      write_bytes(p, b);
      try {
        ser::io::read_safetensors(p);
      } catch (const ser::Error& e) {
        CHECK(e.code() == ErrorCode::Checkpoint);
      }
    }
}

TEST_CASE("safetensors: impossible header lengths") {
  TempDir dir;
  const std::string p = dir.file("bad.safetensors");
  write_bytes(p, "");
  CHECK(contains(error_of([&] { ser::io::read_safetensors(p); }), "too short"));
  write_bytes(p, std::string(7, '\0'));
  CHECK(contains(error_of([&] { ser::io::read_safetensors(p); }), "too short"));
  write_bytes(p, le64(~uint64_t{0}) + "{}");
  CHECK(contains(error_of([&] { ser::io::read_safetensors(p); }), "exceeds the file"));
  write_bytes(p, le64(uint64_t{1} << 63) + "{}");
  CHECK(contains(error_of([&] { ser::io::read_safetensors(p); }), "exceeds the file"));
  write_bytes(p, le64(3) + "{}");  // one byte short
  CHECK(contains(error_of([&] { ser::io::read_safetensors(p); }), "header length 3"));
  write_bytes(p, le64(0));  // an empty header is not JSON
  CHECK(contains(error_of([&] { ser::io::read_safetensors(p); }), "not valid JSON"));
}

TEST_CASE("safetensors: malformed JSON and entries") {
  TempDir dir;
  CHECK(contains(st_error(dir, "{\"w\": ", ""), "not valid JSON"));
  CHECK(contains(st_error(dir, "[1, 2]", ""), "not a JSON object"));
  CHECK(contains(st_error(dir, "{\"w\": 3}", ""), "'w'"));
  CHECK(contains(st_error(dir, R"({"w": {"shape": [1], "data_offsets": [0, 4]}})", floats({1})), "'w'"));
  CHECK(contains(st_error(dir, R"({"w": {"dtype": 1, "shape": [1], "data_offsets": [0, 4]}})", floats({1})), "'w'"));
  CHECK(contains(st_error(dir, R"({"w": {"dtype": "F32", "shape": 1, "data_offsets": [0, 4]}})", floats({1})), "'w'"));
  CHECK(contains(st_error(dir, R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0]}})", floats({1})), "'w'"));
  CHECK(contains(st_error(dir, R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4.0]}})", floats({1})),
                 "data_offset 4.0"));
  CHECK(contains(st_error(dir, R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 4]}})", floats({1})),
                 "data_offset -4"));
  CHECK(contains(st_error(dir, R"({"w": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}})", floats({1})),
                 "shape dimension 1.5"));
}

TEST_CASE("safetensors: offsets outside the data, reversed or overlapping") {
  TempDir dir;
  auto m = st_error(dir, R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", floats({1}));
  CHECK(contains(m, "'w'") && contains(m, "[0, 8]") && contains(m, "4-byte data"));
  m = st_error(dir, R"({"w": {"dtype": "F32", "shape": [0], "data_offsets": [4, 0]}})", floats({1}));
  CHECK(contains(m, "'w'") && contains(m, "begin > end"));
  m = st_error(dir,
               R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                   "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
               floats({1, 2, 3}));
  CHECK(contains(m, "'a' and 'b' overlap") && contains(m, "offset 4"));
  // An empty tensor between them must not hide the overlap of a long tensor with a later one.
  m = st_error(dir,
               R"({"long": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                   "empty": {"dtype": "F32", "shape": [0], "data_offsets": [4, 4]},
                   "mid": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}})",
               floats({1, 2, 3, 4}));
  CHECK(contains(m, "'long' and 'mid' overlap"));
  // The tensors must tile the data exactly: a hole, or bytes left at the end, is refused.
  m = st_error(dir,
               R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                   "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}})",
               floats({1, 2, 3}));
  CHECK(contains(m, "bytes 4..8 of the data belong to no tensor"));
  m = st_error(dir, R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", floats({1, 2}));
  CHECK(contains(m, "cover 4 bytes of data, the file holds 8"));
  // Laid end to end, an empty tensor anywhere, they load.
  const std::string p = dir.file("ok.safetensors");
  write_bytes(p, safetensors_bytes(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                                        "e": {"dtype": "F32", "shape": [0], "data_offsets": [4, 4]},
                                        "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                                   floats({1, 2, 3})));
  auto out = ser::io::read_safetensors(p);
  CHECK(is(out["a"], {1}, {1}) && is(out["e"], {0}, {}) && is(out["b"], {2}, {2, 3}));
}

TEST_CASE("safetensors: byte size must match shape and dtype; shapes must be sane") {
  TempDir dir;
  auto m = st_error(dir, R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", floats({1, 2}));
  CHECK(contains(m, "'w' holds 8 bytes") && contains(m, "need 12"));
  m = st_error(dir, R"({"w": {"dtype": "F16", "shape": [2, 2], "data_offsets": [0, 4]}})", floats({1}));
  CHECK(contains(m, "need 8"));
  m = st_error(dir, R"({"w": {"dtype": "F32", "shape": [2, -1], "data_offsets": [0, 8]}})", floats({1, 2}));
  CHECK(contains(m, "'w'") && contains(m, "shape dimension -1"));
  m = st_error(dir, R"({"w": {"dtype": "F32", "shape": [1099511627776, 1099511627776], "data_offsets": [0, 4]}})",
               floats({1}));
  CHECK(contains(m, "impossibly large"));
  m = st_error(dir, R"({"w": {"dtype": "F32", "shape": [18446744073709551615], "data_offsets": [0, 4]}})", floats({1}));
  CHECK(contains(m, "impossibly large"));
  std::string many = "[1";
  for (int i = 0; i < 40; ++i) many += ",1";
  m = st_error(dir, R"({"w": {"dtype": "F32", "shape": )" + many + R"(], "data_offsets": [0, 4]}})", floats({1}));
  CHECK(contains(m, "41 dimensions"));
}

TEST_CASE("safetensors: unsupported dtypes name the tensor and the dtype") {
  TempDir dir;
  auto m = st_error(dir, R"({"steps": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}})", floats({0, 0}));
  CHECK(contains(m, "'steps'") && contains(m, "I64") && contains(m, "F32, F16, BF16"));
  m = st_error(dir, R"({"w": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}})", floats({0, 0}));
  CHECK(contains(m, "F64"));
}

TEST_CASE("safetensors: metadata must be strings; a name given twice is refused") {
  TempDir dir;
  const std::string w = R"("w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]})";
  auto m = st_error(dir, "{\"__metadata__\": {\"epoch\": 3}, " + w + "}", floats({1}));
  CHECK(contains(m, "'epoch' is not a string"));
  CHECK(contains(st_error(dir, "{\"__metadata__\": [\"x\"], " + w + "}", floats({1})), "__metadata__"));
  CHECK(contains(st_error(dir, "{" + w + ", " + w + "}", floats({1})), "'w' twice"));
  const std::string p = dir.file("ok.safetensors");
  write_bytes(p, safetensors_bytes("{\"__metadata__\": {\"format\": \"pt\"}, " + w + "}", floats({2})));
  auto out = ser::io::read_safetensors(p);
  CHECK(out.size() == 1 && is(out["w"], {1}, {2}));
}

TEST_CASE("safetensors: a missing file or a directory is ERR_CHECKPOINT naming it") {
  TempDir dir;
  CHECK(contains(error_of([&] { ser::io::read_safetensors(dir.file("none.safetensors")); }), "none.safetensors"));
  CHECK(contains(error_of([&] { ser::io::read_safetensors(dir.path); }), "not a regular file"));
}

// ---------------------------------------------------------------------------------------------
// pytorch_model.bin
// ---------------------------------------------------------------------------------------------

namespace {

void check_state_dict(const NamedTensors& sd) {
  CHECK(sd.size() == 4);
  CHECK(is(sd.at("0.weight"), {2, 3}, {1, 2, 3, -1, -2, -3}));
  CHECK(is(sd.at("0.bias"), {2}, {0.5f, -0.5f}));
  CHECK(is(sd.at("1.weight"), {2}, {2, 4}));
  CHECK(is(sd.at("1.bias"), {2}, {0.25f, -0.25f}));
}

}  // namespace

TEST_CASE("torch_bin: a module's state_dict() (with _metadata) saved by torch.save") {
  check_state_dict(ser::io::read_torch_bin(fixture("state_dict.bin")));
}

TEST_CASE("torch_bin: views of shared storages, half/bf16/double, nested dicts flattened") {
  auto sd = ser::io::read_torch_bin(fixture("views.bin"));
  CHECK(sd.size() == 6);
  CHECK(is(sd["transposed"], {4, 3}, {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}));
  CHECK(is(sd["row"], {4}, {8, 9, 10, 11}));
  CHECK(is(sd["half"], {6}, {0.0f, 1.0f, -2.0f, 0.5f, 65504.0f, std::ldexp(1.0f, -24)}));
  CHECK(is(sd["bf16"], {4}, {1.0f, -0.25f, 3.140625f, std::ldexp(1.5f, 100)}));
  CHECK(is(sd["double"], {2}, {static_cast<float>(0.1), static_cast<float>(1e-3)}));
  CHECK(is(sd["outer.inner"], {1}, {7}));
  // Views of one storage come back as separate tensors.
  CHECK(sd["transposed"].data_ptr() != sd["row"].data_ptr());
  sd["row"].fill_(0);
  CHECK(values(sd["transposed"])[2] == 8.0f);
}

TEST_CASE("torch_bin: hand-made archives; a storage saved on cuda:0 loads on the CPU") {
  CHECK(is(ser::io::read_torch_bin(fixture("handmade_ok.bin"))["w"], {3}, {2, 3, 4}));
  CHECK(is(ser::io::read_torch_bin(fixture("cuda_location.bin"))["w"], {4}, {1, 2, 3, 4}));
}

TEST_CASE("torch_bin: the legacy (pre-1.6, non-zip) format reads the same state dict") {
  check_state_dict(ser::io::read_torch_bin(fixture("state_dict_legacy.bin")));
}

namespace {

// Every prefix of a torch.save fixture is refused naming the file; with each byte flipped in turn
// the file is refused as ERR_CHECKPOINT or its tensors pass `check_loaded`.
void check_damaged_copies(const std::string& fixture_name, size_t min_bytes,
                          const std::function<void(const NamedTensors&)>& check_loaded) {
  TempDir dir;
  const std::string p = dir.file("damaged.bin");
  const std::string bytes = read_bytes(fixture(fixture_name));
  CHECK(bytes.size() > min_bytes);  // a real file, not a stub
  for (size_t n = 0; n < bytes.size(); ++n) {
    write_bytes(p, bytes.substr(0, n));
    CHECK(contains(error_of([&] { ser::io::read_torch_bin(p); }), p));
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string b = bytes;
    b[i] = static_cast<char>(b[i] ^ 0x20);
    write_bytes(p, b);
    try {
      check_loaded(ser::io::read_torch_bin(p));
    } catch (const ser::Error& e) {
      CHECK(e.code() == ErrorCode::Checkpoint);
    }
  }
}

}  // namespace

TEST_CASE("torch_bin: every truncation of a legacy file is refused; flipped bytes never crash") {
  // No checksums in this format: a flipped data byte changes a value; anything else is refused.
  check_damaged_copies("state_dict_legacy.bin", 700, [](const NamedTensors& sd) {
    for (const auto& [name, t] : sd) CHECK(t.numel() <= 6);
  });
}

TEST_CASE("torch_bin: non-float, non-tensor and non-dict contents name what is wrong") {
  auto m = error_of([&] { ser::io::read_torch_bin(fixture("int_tensor.bin")); });
  CHECK(contains(m, "'steps'") && contains(m, "Long"));
  m = error_of([&] { ser::io::read_torch_bin(fixture("non_tensor.bin")); });
  CHECK(contains(m, "'lr' is a float"));
  m = error_of([&] { ser::io::read_torch_bin(fixture("bare_tensor.bin")); });
  CHECK(contains(m, "not a state dict"));
}

TEST_CASE("torch_bin: storages smaller than claimed and views past their storage are refused") {
  auto m = error_of([&] { ser::io::read_torch_bin(fixture("storage_too_small.bin")); });
  CHECK(contains(m, "'w'") && contains(m, "1000000 elements") && contains(m, "16 bytes"));
  m = error_of([&] { ser::io::read_torch_bin(fixture("view_out_of_bounds.bin")); });
  CHECK(contains(m, "'w'") && contains(m, "reaches element 1001") && contains(m, "4 elements"));
  m = error_of([&] { ser::io::read_torch_bin(fixture("compressed.bin")); });
  CHECK(contains(m, "compressed"));
}

TEST_CASE("torch_bin: missing, empty, garbage and safetensors files") {
  TempDir dir;
  const std::string p = dir.file("pytorch_model.bin");
  CHECK(contains(error_of([&] { ser::io::read_torch_bin(p); }), p));
  CHECK(contains(error_of([&] { ser::io::read_torch_bin(dir.path); }), "not a regular file"));
  write_bytes(p, "");
  CHECK(contains(error_of([&] { ser::io::read_torch_bin(p); }), "not a torch.save file"));
  write_bytes(p, "hello, this is not a checkpoint");
  CHECK(contains(error_of([&] { ser::io::read_torch_bin(p); }), "not a torch.save file"));
  write_bytes(p, std::string("PK\x03\x04", 4) + std::string(100, 'x'));
  CHECK(contains(error_of([&] { ser::io::read_torch_bin(p); }), "end-of-central-directory"));
  CHECK(contains(error_of([&] { ser::io::read_torch_bin(fixture("half.safetensors")); }), "not a torch.save file"));
}

TEST_CASE("torch_bin: every truncation is refused; every flipped byte is refused or harmless") {
  // Data and pickle are CRC-checked, so a file that still loads must load the same values.
  check_damaged_copies("state_dict.bin", 1000, check_state_dict);
}
