// Files that lie: JSON nested to overflow a stack, manifests with a BOM, CR line ends,
// duplicate columns or keys; and the outDir lock that keeps two runs apart.
#include <filesystem>
#include <fstream>

#include "config/model_config.h"
#include "config/untrusted_json.h"
#include "error.h"
#include "io/safetensors.h"
#include "temp_dir.h"
#include "train/manifest.h"
#include "train/out_dir_lock.h"
// Last: its CHECK replaces the glog CHECK that torch's headers bring in.
#include "harness.h"

using ser::ErrorCode;
namespace fs = std::filesystem;

namespace {

std::string nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ser::Error& e) {
    return e.what();
  }
  return "";
}

// A manifest next to a copy of one fixture clip, so that rows resolve.
std::string write_manifest(const fs::path& dir, const std::string& name, const std::string& text) {
  fs::copy_file(fs::path(ser_test::fixtures_dir()) / "train_step" / "wav" / "a.wav", dir / "a.wav",
                fs::copy_options::overwrite_existing);
  std::ofstream(dir / name, std::ios::binary) << text;
  return (dir / name).string();
}

}  // namespace

TEST_CASE("untrusted JSON: nesting 200,000 deep is refused, not a stack overflow") {
  const std::string deep = "{\"a\": " + nested(200000) + "}";
  CHECK_THROWS_CODE(ser::parse_model_config(deep, "config.json"), ErrorCode::Config);
  CHECK(message_of([&] { ser::parse_model_config(deep, "config.json"); }).find("deeper than 64") != std::string::npos);
  // 64 levels is the limit, not less.
  auto fail = [](const std::string& m) { throw ser::Error(ErrorCode::Input, m); };
  CHECK(ser::parse_untrusted_json(nested(ser::kMaxJsonDepth), fail).is_array());
  CHECK_THROWS_CODE(ser::parse_untrusted_json(nested(ser::kMaxJsonDepth + 1), fail), ErrorCode::Input);
}

TEST_CASE("untrusted JSON: a safetensors header nested deep is a CheckpointError") {
  const ser_test::TempDir tmp("ser-untrusted-st");
  const fs::path dir = fs::path(tmp.path);
  const std::string header =
      "{\"w\": {\"dtype\": \"F32\", \"shape\": " + nested(200000) + ", \"data_offsets\": [0, 4]}}";
  std::ofstream out(dir / "model.safetensors", std::ios::binary);
  const uint64_t n = header.size();
  out.write(reinterpret_cast<const char*>(&n), 8);
  out << header << std::string(4, '\0');
  out.close();
  CHECK_THROWS_CODE(ser::io::read_safetensors((dir / "model.safetensors").string()), ErrorCode::Checkpoint);
}

TEST_CASE("manifest: a JSONL row nested deep or with a key twice is refused, naming the line") {
  const ser_test::TempDir tmp("ser-untrusted-jsonl");
  const fs::path dir = fs::path(tmp.path);
  const auto deep =
      write_manifest(dir, "deep.jsonl", "{\"file\": \"a.wav\", \"arousal\": 0.5, \"x\": " + nested(200000) + "}\n");
  CHECK_THROWS_CODE(ser::train::read_manifest(deep, {}), ErrorCode::Input);
  CHECK(message_of([&] { ser::train::read_manifest(deep, {}); }).find("deep.jsonl:1") != std::string::npos);
  const auto twice = write_manifest(dir, "twice.jsonl", "{\"file\": \"a.wav\", \"arousal\": 0.5, \"arousal\": 0.9}\n");
  CHECK(message_of([&] { ser::train::read_manifest(twice, {}); }).find("'arousal' twice") != std::string::npos);
}

TEST_CASE("manifest: a UTF-8 BOM and CR-only line ends read like a plain file") {
  const ser_test::TempDir tmp("ser-untrusted-csv");
  const fs::path dir = fs::path(tmp.path);
  const auto bom = write_manifest(dir, "bom.csv",
                                  "\xEF\xBB\xBF"
                                  "file,arousal\na.wav,0.5\n");
  CHECK(ser::train::read_manifest(bom, {}).examples.size() == 1);
  const auto cr = write_manifest(dir, "cr.csv", "file,arousal\ra.wav,0.5\ra.wav,0.25\r");
  const auto m = ser::train::read_manifest(cr, {});
  CHECK(m.examples.size() == 2);
  CHECK(m.examples[1].line == 3);
  const auto dup = write_manifest(dir, "dup.csv", "file,arousal,arousal\na.wav,0.5,0.9\n");
  CHECK(message_of([&] { ser::train::read_manifest(dup, {}); }).find("column 'arousal' appears twice") !=
        std::string::npos);
}

TEST_CASE("manifest: a label outside labelRange hints at the option") {
  const ser_test::TempDir tmp("ser-untrusted-range");
  const fs::path dir = fs::path(tmp.path);
  const auto scale = write_manifest(dir, "scale.csv", "file,arousal\na.wav,4\n");
  const std::string m = message_of([&] { ser::train::read_manifest(scale, {}); });
  CHECK(m.find("scale.csv:2") != std::string::npos);
  CHECK(m.find("--label-range") != std::string::npos);
}

TEST_CASE("outDir lock: a second run on one outDir is Busy until the first lets go") {
  const ser_test::TempDir tmp("ser-untrusted-lock");
  const fs::path dir = fs::path(tmp.path) / "out";
  {
    ser::train::OutDirLock first(dir.string());
    CHECK(fs::is_directory(dir));
    CHECK_THROWS_CODE(ser::train::OutDirLock(dir.string()), ErrorCode::Busy);
  }
  ser::train::OutDirLock again(dir.string());  // released with the first
}

TEST_CASE("config: sizes are bounded before a model is built") {
  const std::string base = R"({"model_type": "wav2vec2", "hidden_size": 32, "num_attention_heads": 2,
    "intermediate_size": 64, "conv_dim": [8], "conv_kernel": [10], "conv_stride": [5], )";
  for (const std::string& tail : {std::string(R"("num_hidden_layers": 1000000000})"),
                                  std::string(R"("num_hidden_layers": 2, "conv_kernel": [100000]})")}) {
    CHECK_THROWS_CODE(ser::parse_model_config(base + tail, "config.json"), ErrorCode::Config);
  }
  CHECK(message_of([&] {
          ser::parse_model_config(base + R"("num_hidden_layers": 1000000000})", "config.json");
        }).find("'num_hidden_layers' must lie in 1..512") != std::string::npos);
}
