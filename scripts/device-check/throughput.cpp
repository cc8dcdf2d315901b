// The ser-torch side of scripts/device-check.sh's throughput table: fine-tuning steps (run_training
// on a manifest of equal-length clips) or inference (SerModel::run on one batch), timed on the device.
//
//   ser_throughput --mode train|infer --model DIR --device cuda --precision bf16|fp32
//                  --batch 8 --seconds 8 --steps 10 --warmup 3 [--train CSV --dev CSV]
//
// Prints one JSON line: {"side":"ser-torch", ..., "samples_per_s": x, "audio_s_per_s": y}.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/ser_model.h"
#include "error.h"
#include "train/trainer.h"

namespace {

using Clock = std::chrono::steady_clock;

std::map<std::string, std::string> parse(int argc, char** argv) {
  std::map<std::string, std::string> a{{"mode", "infer"}, {"device", "cuda"}, {"precision", "bf16"}, {"batch", "8"},
                                       {"seconds", "8"},  {"steps", "10"},    {"warmup", "3"}};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k.rfind("--", 0) != 0) throw std::invalid_argument("expected --option, got " + k);
    a[k.substr(2)] = argv[i + 1];
  }
  if (!a.count("model")) throw std::invalid_argument("--model is required");
  return a;
}

double infer(const std::map<std::string, std::string>& a, int batch, double seconds, int steps, int warmup) {
  auto model = ser::SerModel::load(a.at("model"), {a.at("device"), 0, 0, a.at("precision")});
  std::mt19937 rng(0);
  std::normal_distribution<float> noise(0.f, 0.1f);
  std::vector<ser::AudioInput> inputs(batch);
  for (auto& in : inputs) {
    in.samples.resize(static_cast<size_t>(seconds * 16000));
    for (auto& s : in.samples) s = noise(rng);
    in.sample_rate = 16000;
  }
  const auto kind = model->description().has_head ? ser::OutputKind::Predictions : ser::OutputKind::Embeddings;
  for (int i = 0; i < warmup; ++i) model->run(inputs, kind, batch);
  // run() returns host vectors: each call ends with the device's work done.
  const auto t0 = Clock::now();
  for (int i = 0; i < steps; ++i) model->run(inputs, kind, batch);
  return std::chrono::duration<double>(Clock::now() - t0).count() / steps;
}

// Seconds per step: the time between the warmup-th and the last step event (no evaluation or
// checkpoint falls between them: one epoch, evaluated at its end).
double train(const std::map<std::string, std::string>& a, int batch, int steps, int warmup) {
  ser::train::TrainOptions o;
  o.model_dir = a.at("model");
  o.train_manifest = a.at("train");
  o.dev_manifest = a.at("dev");
  o.out_dir = a.at("out");
  o.batch_size = batch;
  o.epochs = 1;
  o.max_clip_seconds = 0;
  o.device = a.at("device");
  o.precision = a.at("precision");
  o.dropout = 0;
  o.layerdrop = 0;
  o.mask_time_prob = 0;
  std::vector<Clock::time_point> at;
  std::atomic<bool> abort{false};
  ser::train::run_training(
      o,
      [&](const ser::train::TrainEvent& e) {
        if (e.type == "step") at.push_back(Clock::now());
        if (static_cast<int>(at.size()) >= warmup + steps) abort = true;
      },
      abort);
  if (static_cast<int>(at.size()) < warmup + steps)
    throw std::runtime_error("the manifest gave " + std::to_string(at.size()) + " steps, fewer than warmup + steps");
  return std::chrono::duration<double>(at[warmup + steps - 1] - at[warmup - 1]).count() / steps;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const auto a = parse(argc, argv);
    const int batch = std::stoi(a.at("batch")), steps = std::stoi(a.at("steps")), warmup = std::stoi(a.at("warmup"));
    const double seconds = std::stod(a.at("seconds"));
    if (batch < 1 || steps < 1 || warmup < 1 || seconds <= 0)
      throw std::invalid_argument("batch, steps, warmup, seconds must be positive");
    const double per_step =
        a.at("mode") == "train" ? train(a, batch, steps, warmup) : infer(a, batch, seconds, steps, warmup);
    nlohmann::json out{{"side", "ser-torch"},
                       {"mode", a.at("mode")},
                       {"model", a.at("model")},
                       {"device", a.at("device")},
                       {"precision", a.at("precision")},
                       {"batch", batch},
                       {"seconds", seconds},
                       {"s_per_step", per_step},
                       {"samples_per_s", batch / per_step},
                       {"audio_s_per_s", batch * seconds / per_step}};
    std::printf("%s\n", out.dump().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::printf("%s\n", nlohmann::json{{"side", "ser-torch"}, {"error", e.what()}}.dump().c_str());
    return 1;
  }
}
