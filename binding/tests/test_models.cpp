// Numerical parity of the wav2vec2 / HuBERT models with torchaudio's reference outputs
// (test/fixtures/models/*/expected.json, made by scripts/gen-model-fixtures.py).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "api/ser_model.h"
#include "error.h"
#include "json_fixture.h"
#include "temp_dir.h"
// Last: its CHECK replaces the glog CHECK that torch's headers bring in.
#include "harness.h"

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::vector<fs::path> case_dirs() {
  std::vector<fs::path> dirs;
  for (auto& e : fs::directory_iterator(fs::path(ser_test::fixtures_dir()) / "models"))
    if (fs::exists(e.path() / "expected.json")) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

using ser_test::read_json;

double max_abs_diff(const std::vector<float>& got, const json& want) {
  if (got.size() != want.size())
    throw ser_test::Failure("size " + std::to_string(got.size()) + " != " + std::to_string(want.size()));
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::fabs(got[i] - want[i].get<double>()));
  return worst;
}

std::vector<ser::AudioInput> inputs_of(const json& expected) {
  std::vector<ser::AudioInput> inputs;
  for (auto& samples : expected["inputs"]) inputs.push_back({"", samples.get<std::vector<float>>(), 16000});
  return inputs;
}

// Checks every output kind, one input at a time and all in one padded batch.
void check_case(const fs::path& dir, const json& outputs, int num_layers, const std::vector<ser::AudioInput>& inputs) {
  auto model = ser::SerModel::load(dir.string(), {"cpu", 0, num_layers});
  const double tol = 1e-4;
  for (int batch : {1, 64}) {
    auto hidden = model->run(inputs, ser::OutputKind::HiddenStates, batch);
    auto pooled = model->run(inputs, ser::OutputKind::Embeddings, batch);
    for (size_t i = 0; i < inputs.size(); ++i) {
      const auto& want = outputs[i];
      CHECK(hidden[i].frames == want["frames"].get<int64_t>());
      CHECK(max_abs_diff(hidden[i].values, want["last_hidden_state"]) < tol);
      CHECK(max_abs_diff(pooled[i].values, want["pooled"]) < tol);
    }
    if (model->description().has_head) {
      auto logits = model->run(inputs, ser::OutputKind::Predictions, batch);
      for (size_t i = 0; i < inputs.size(); ++i) CHECK(max_abs_diff(logits[i].values, outputs[i]["logits"]) < tol);
    } else {
      CHECK_THROWS_CODE(model->run(inputs, ser::OutputKind::Predictions, batch), ser::ErrorCode::NoHead);
    }
  }
}

}  // namespace

TEST_CASE("models: every fixture matches torchaudio, singly and in a padded batch") {
  auto dirs = case_dirs();
  CHECK(dirs.size() >= 4);
  for (auto& dir : dirs) {
    auto expected = read_json(dir / "expected.json");
    auto inputs = inputs_of(expected);
    try {
      check_case(dir, expected["outputs"], 0, inputs);
      if (expected.contains("first2")) check_case(dir, expected["first2"]["outputs"], 2, inputs);
    } catch (const ser_test::Failure& f) {
      throw ser_test::Failure(dir.filename().string() + ": " + f.what());
    }
  }
}

TEST_CASE("models: too short, empty and NaN inputs are ERR_INPUT") {
  auto dir = case_dirs().at(0);
  auto model = ser::SerModel::load(dir.string(), {});
  CHECK_THROWS_CODE(model->run({{"", std::vector<float>(399, 0.1f), 16000}}, ser::OutputKind::Embeddings, 1),
                    ser::ErrorCode::Input);
  CHECK_THROWS_CODE(model->run({{"", {}, 16000}}, ser::OutputKind::Embeddings, 1), ser::ErrorCode::Input);
  std::vector<float> nan_wave(800, 0.f);
  nan_wave[10] = std::nanf("");
  CHECK_THROWS_CODE(model->run({{"", nan_wave, 16000}}, ser::OutputKind::Embeddings, 1), ser::ErrorCode::Input);
  CHECK_THROWS_CODE(model->run({{"", std::vector<float>(800, 0.f), -5}}, ser::OutputKind::Embeddings, 1),
                    ser::ErrorCode::Input);
}

TEST_CASE("models: unknown and unavailable devices are ERR_DEVICE") {
  auto dir = case_dirs().at(0);
  CHECK_THROWS_CODE(ser::SerModel::load(dir.string(), {"tpu"}), ser::ErrorCode::Device);
  if (!ser::runtime::runtime_info().cuda_available)
    CHECK_THROWS_CODE(ser::SerModel::load(dir.string(), {"cuda"}), ser::ErrorCode::Device);
}

TEST_CASE("models: save writes a folder that loads back to the same outputs") {
  for (auto& dir : case_dirs()) {
    auto expected = read_json(dir / "expected.json");
    auto inputs = inputs_of(expected);
    auto model = ser::SerModel::load(dir.string(), {});
    const ser_test::TempDir saved("ser-save");
    const fs::path out = saved.path;
    model->save(out.string());
    auto again = ser::SerModel::load(out.string(), {});
    CHECK(again->description().has_head == model->description().has_head);
    CHECK(again->description().labels == model->description().labels);
    auto a = model->run(inputs, ser::OutputKind::Embeddings, 4);
    auto b = again->run(inputs, ser::OutputKind::Embeddings, 4);
    for (size_t i = 0; i < a.size(); ++i) CHECK(a[i].values == b[i].values);
  }
}
