// The PANNs 16 kHz log-Mel front end against torchaudio (test/fixtures/logmel, made by
// scripts/gen-logmel-fixture.py): filters and log-Mel values within 1e-3 dB.
#include <fstream>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include "models/log_mel.h"
#include "harness.h"

TEST_CASE("log-Mel: Slaney filters and dB values match torchaudio") {
  std::ifstream in(ser_test::fixtures_dir() + "/logmel/expected.json");
  CHECK(in.good());
  auto j = nlohmann::json::parse(in);
  auto want_filters = at::tensor(j["filters"].get<std::vector<float>>()).view({257, 64});
  CHECK((ser::models::slaney_mel_filters({}) - want_filters).abs().max().item<float>() < 1e-6);
  ser::models::LogMel log_mel(ser::models::LogMelOptions{});
  for (auto& c : j["cases"]) {
    auto x = at::tensor(c["input"].get<std::vector<float>>());
    auto got = log_mel(x.unsqueeze(0))[0];
    CHECK(got.size(0) == c["frames"].get<int64_t>());
    CHECK(log_mel->frames_for(x.size(0)) == got.size(0));
    auto want = at::tensor(c["log_mel"].get<std::vector<float>>()).view({-1, 64});
    CHECK_NEAR((got - want).abs().max().item<float>(), 0.0, 1e-3);
  }
}
