// CNN14 against a PyTorch reference of PANNs' Cnn14 (test/fixtures/cnn14, made by
// scripts/gen-cnn14-fixtures.py with Debian's torch/torchaudio): names and shapes, outputs within
// 1e-4 from torchaudio's log-Mel and end to end from the waveform, batch invariance, PANNs import.
#include <fstream>
#include <set>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>

#include "api/cnn14_checkpoint.h"
#include "api/model_folder.h"
#include "config/model_config.h"
#include "error.h"
#include "models/cnn14.h"
#include "harness.h"

namespace {

nlohmann::json read_fixture(const std::string& name) {
  std::ifstream in(ser_test::fixtures_dir() + "/cnn14/" + name);
  CHECK(in.good());
  return nlohmann::json::parse(in);
}

at::Tensor floats(const nlohmann::json& j) { return at::tensor(j.get<std::vector<float>>()); }

float max_diff(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<float>(); }

ser::models::Cnn14Impl& as_cnn14(ser::ModelFolder& f) { return static_cast<ser::models::Cnn14Impl&>(*f.model); }

}  // namespace

TEST_CASE("cnn14: PANNs key names, output shapes, shortest input") {
  auto c = ser::parse_model_config(R"({"model_type": "cnn14", "channels": [4, 8, 8, 16, 16, 32]})", "config.json");
  CHECK(c.is_cnn14());
  CHECK(c.labels.size() == 3);
  CHECK(c.hidden_size == 32);
  CHECK(c.min_samples() == 4960);
  ser::models::Cnn14 model(c.cnn14, 3);
  model->eval();
  std::set<std::string> keys;
  for (auto& p : model->named_parameters()) keys.insert(p.key());
  for (auto& b : model->named_buffers()) keys.insert(b.key());
  for (const char* k : {"bn0.weight", "bn0.running_mean", "conv_block1.conv1.weight", "conv_block1.bn1.running_var",
                        "conv_block6.conv2.weight", "conv_block6.bn2.bias", "fc1.weight", "fc1.bias", "fc_out.weight"})
    CHECK(keys.count(k) == 1);
  CHECK(model->named_parameters()["conv_block1.conv1.weight"].sizes() == at::IntArrayRef({4, 1, 3, 3}));
  CHECK(model->named_parameters()["fc_out.weight"].sizes() == at::IntArrayRef({3, 32}));
  CHECK(model->named_parameters()["fc_out.bias"].abs().sum().item<float>() == 0);  // PANNs' init_layer
  c10::InferenceMode guard;
  auto out = model->forward(at::randn({2, c.min_samples()}));
  CHECK(out.embedding.sizes() == at::IntArrayRef({2, 32}));
  CHECK(out.logits.sizes() == at::IntArrayRef({2, 3}));
  CHECK(out.features.size(2) == 1);
  CHECK(out.logits.isfinite().all().item<bool>());
}

TEST_CASE("cnn14: config errors are ERR_CONFIG") {
  CHECK_THROWS_CODE(ser::parse_model_config(R"({"model_type": "cnn14", "channels": [1, 2]})", "config.json"),
                    ser::ErrorCode::Config);
  CHECK_THROWS_CODE(ser::parse_model_config(R"({"model_type": "cnn14", "f_max": 9000})", "config.json"),
                    ser::ErrorCode::Config);
  CHECK_THROWS_CODE(ser::parse_model_config(R"({"model_type": "cnn14", "hop_length": "ten"})", "config.json"),
                    ser::ErrorCode::Config);
  auto c =
      ser::parse_model_config(ser::model_config_to_json(ser::parse_model_config(
                                  R"({"model_type": "cnn14", "n_mels": 32, "channels": [1, 2, 3, 4, 5, 6]})", "a")),
                              "b");
  CHECK(c.cnn14.log_mel.n_mels == 32);
  CHECK(c.cnn14.channels.back() == 6);
  // Settings a CNN14 cannot run with are config errors, not libtorch failures later.
  for (const char* bad :
       {R"({"model_type": "cnn14", "n_mels": 16})", R"({"model_type": "cnn14", "n_fft": 511})",
        R"({"model_type": "cnn14", "sample_rate": 100})", R"({"model_type": "cnn14", "hop_length": 1024})",
        R"({"model_type": "cnn14", "channels": [1, 2, 3, 4, 5, 100000]})"})
    CHECK_THROWS_CODE(ser::parse_model_config(bad, "config.json"), ser::ErrorCode::Config);
  CHECK(ser::parse_log_mel_settings(R"({"n_mels": 16})", "options").n_mels == 16);  // fine for features alone
  auto wide = ser::parse_model_config(R"({"model_type": "cnn14", "n_fft": 16384, "n_mels": 64})", "c");
  CHECK(wide.min_samples() == 8193);  // the STFT's reflect padding, not the poolings, sets the minimum
  // PANNs' argument names and model name are understood.
  auto p = ser::parse_model_config(
      R"({"model_type": "Cnn14_16k", "sample_rate": 16000, "window_size": 512, "hop_size": 160, "mel_bins": 64, "fmin": 50, "fmax": 8000})",
      "p");
  CHECK(p.is_cnn14() && p.cnn14.log_mel.n_fft == 512 && p.cnn14.log_mel.hop_length == 160 &&
        p.cnn14.log_mel.f_min == 50);
}

TEST_CASE("cnn14: outputs match the PyTorch reference within 1e-4") {
  const auto logmel = read_fixture("logmel.json");
  const auto expected = read_fixture("expected.json");
  auto folder = ser::load_model_folder(ser_test::fixtures_dir() + "/cnn14/model", 0, false);
  auto& model = as_cnn14(folder);
  model.eval();
  c10::InferenceMode guard;
  for (const auto& c : expected["cases"]) {
    const int i = c["input"].get<int>();
    const auto& lm = logmel["outputs"][i];
    auto reference_log_mel = floats(lm["log_mel"]).view({1, -1, lm["n_mels"].get<int64_t>()});
    auto wave = floats(logmel["inputs"][i]).unsqueeze(0);
    for (const auto& out : {model.forward_log_mel(reference_log_mel), model.forward(wave)}) {
      CHECK_NEAR(max_diff(out.pooled[0], floats(c["pooled"])), 0.0, 1e-4);
      CHECK_NEAR(max_diff(out.embedding[0], floats(c["embedding"])), 0.0, 1e-4);
      CHECK_NEAR(max_diff(out.logits[0], floats(c["logits"])), 0.0, 1e-4);
    }
  }
}

TEST_CASE("cnn14: a padded batch of mixed lengths gives each item its own result") {
  const auto logmel = read_fixture("logmel.json");
  const auto expected = read_fixture("expected.json");
  auto folder = ser::load_model_folder(ser_test::fixtures_dir() + "/cnn14/model", 0, false);
  folder.model->eval();
  c10::InferenceMode guard;
  std::vector<at::Tensor> waves;
  std::vector<int64_t> lengths;
  for (const auto& x : logmel["inputs"]) {
    waves.push_back(floats(x));
    lengths.push_back(waves.back().size(0));
  }
  waves.push_back(waves[0]);  // two items of one length run together
  lengths.push_back(lengths[0]);
  auto batch = at::zeros({static_cast<int64_t>(waves.size()), lengths[2]});
  for (size_t b = 0; b < waves.size(); ++b) batch[b].narrow(0, 0, lengths[b]).copy_(waves[b]);
  auto out = folder.model->run(batch, lengths);
  for (size_t b = 0; b < waves.size(); ++b) {
    const auto& c = expected["cases"][b % 3];
    CHECK_NEAR(max_diff(out.logits[b], floats(c["logits"])), 0.0, 1e-4);
    CHECK_NEAR(max_diff(out.pooled[b], floats(c["embedding"])), 0.0, 1e-4);
    CHECK(out.frames[b] == (c["frames"].get<int64_t>() >> 5));
  }
  CHECK(out.hidden.size(1) == out.frames[2]);
}

TEST_CASE("cnn14: starts from a PANNs checkpoint (AudioSet layer and front end skipped, fresh fc_out)") {
  const auto logmel = read_fixture("logmel.json");
  const auto expected = read_fixture("expected.json");
  for (const char* file : {"panns_checkpoint.pth", "panns_checkpoint_legacy.pth"}) {
    auto folder = ser::import_panns_checkpoint(ser_test::fixtures_dir() + "/cnn14/" + file, 7);
    CHECK(folder.config.is_cnn14());
    CHECK(folder.config.cnn14.channels[0] == 4 && folder.config.cnn14.channels[5] == 32);
    CHECK(folder.new_head);
    std::set<std::string> skipped(folder.skipped_keys.begin(), folder.skipped_keys.end());
    CHECK(skipped.count("fc_audioset.weight") == 1 && skipped.count("logmel_extractor.melW") == 1);
    auto& model = as_cnn14(folder);
    model.eval();
    c10::InferenceMode guard;
    const auto& c = expected["cases"][1];
    auto out = model.forward(floats(logmel["inputs"][1]).unsqueeze(0));
    CHECK_NEAR(max_diff(out.embedding[0], floats(c["embedding"])), 0.0, 1e-4);  // the trunk is PANNs'
    CHECK(out.logits.size(1) == 3);
  }
  // A zero-element weight claiming 65536 channels is refused from its shape, before any model is built.
  CHECK_THROWS_CODE(ser::import_panns_checkpoint(ser_test::fixtures_dir() + "/cnn14/panns_hostile_width.pth", 0),
                    ser::ErrorCode::Checkpoint);
  // A bare state dict of the wrong kind is a checkpoint error naming what is missing.
  CHECK_THROWS_CODE(
      ser::import_panns_checkpoint(ser_test::fixtures_dir() + "/models/hubert_postln_group/pytorch_model.bin", 0),
      ser::ErrorCode::Checkpoint);
}
