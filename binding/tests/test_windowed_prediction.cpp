// Windows of long recordings: the options' checks, the window edges and the tail rule on a synthetic
// source, and the windows' predictions against separate runs of the model on the same samples.
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "api/ser_model.h"
#include "api/windowed_prediction.h"
#include "audio/audio_file.h"
#include "error.h"
#include "temp_dir.h"
#include "wav_writer.h"
#include "harness.h"

namespace {

std::string model_dir(const std::string& name) { return ser_test::fixtures_dir() + "/models/" + name; }

// A source of the ramp 0, 1, 2, ... N-1, handed out at most `chunk` samples at a time.
ser::WindowCutter::Source ramp(int64_t n, std::size_t chunk) {
  auto next = std::make_shared<int64_t>(0);
  return [=](std::vector<float>& out, std::size_t max) {
    const int64_t take = std::min<int64_t>({static_cast<int64_t>(max), static_cast<int64_t>(chunk), n - *next});
    for (int64_t i = 0; i < take; ++i) out.push_back(static_cast<float>((*next)++));
    return static_cast<std::size_t>(take);
  };
}

struct Cut {
  std::vector<std::pair<int64_t, int64_t>> windows;
  int64_t uncovered = 0, read = 0;
};

Cut cut_all(int64_t n, int64_t window, int64_t hop, int64_t min_samples, std::size_t chunk) {
  ser::WindowCutter cutter(ramp(n, chunk), {window, hop}, min_samples);
  Cut c;
  ser::Window w;
  while (cutter.next(w)) {
    CHECK(static_cast<int64_t>(w.samples.size()) == w.end - w.start);
    for (int64_t i = w.start; i < w.end; ++i) CHECK(w.samples[i - w.start] == static_cast<float>(i));
    c.windows.emplace_back(w.start, w.end);
  }
  CHECK(cutter.finished());
  CHECK(!cutter.next(w));
  CHECK(cutter.windows_cut() == static_cast<int64_t>(c.windows.size()));
  c.uncovered = cutter.uncovered_samples();
  c.read = cutter.samples_read();
  return c;
}

using Edges = std::vector<std::pair<int64_t, int64_t>>;

template <class Fn>
std::string input_error(Fn fn) {
  try {
    fn();
  } catch (const ser::Error& e) {
    if (e.code() != ser::ErrorCode::Input) return std::string("wrong code: ") + e.what();
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("windows: each option is checked by name, against the model's rate and minimum input") {
  auto plan = [](double w, double h, int b = 8) { return ser::plan_windows({w, h, b}, 16000, 400); };
  const ser::WindowPlan p = plan(4, 2);
  CHECK(p.window == 64000 && p.hop == 32000);
  CHECK(plan(0.025, 0.025).window == 400);  // exactly the minimum
  CHECK(contains(input_error([&] { plan(0.0249, 0.01); }),
                 "'windowSeconds' 0.0249 is shorter than the model's minimum input"));
  CHECK(contains(input_error([&] { plan(0, 1); }), "'windowSeconds' must be a finite number"));
  CHECK(contains(input_error([&] { plan(NAN, 1); }), "'windowSeconds'"));
  CHECK(contains(input_error([&] { plan(INFINITY, 1); }), "'windowSeconds'"));
  CHECK(contains(input_error([&] { plan(601, 1); }), "'windowSeconds'"));
  CHECK(contains(input_error([&] { plan(4, 0); }), "'hopSeconds' must be a finite number > 0"));
  CHECK(contains(input_error([&] { plan(4, -1); }), "'hopSeconds'"));
  CHECK(contains(input_error([&] { plan(4, NAN); }), "'hopSeconds'"));
  CHECK(contains(input_error([&] { plan(4, 4.5); }), "'hopSeconds' 4.5 is longer than 'windowSeconds' 4"));
  CHECK(contains(input_error([&] { plan(4, 1e-6); }), "'hopSeconds' 1e-06 is less than one sample"));
  CHECK(contains(input_error([&] { plan(4, 2, 0); }), "'batchSize'"));
  CHECK(contains(input_error([&] { plan(4, 2, 5000); }), "'batchSize'"));
}

TEST_CASE("windows: window k covers [k*hop, k*hop + window); the tail is one shorter window or dropped") {
  for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{1000}}) {
    // Whole windows end exactly at the end: no tail.
    Cut c = cut_all(30, 10, 4, 3, chunk);
    CHECK((c.windows == Edges{{0, 10}, {4, 14}, {8, 18}, {12, 22}, {16, 26}, {20, 30}}));
    CHECK(c.uncovered == 0 && c.read == 30);
    // 3 samples past the last whole window: the tail starts at the next hop and ends at the end.
    c = cut_all(33, 10, 4, 3, chunk);
    CHECK((c.windows == Edges{{0, 10}, {4, 14}, {8, 18}, {12, 22}, {16, 26}, {20, 30}, {24, 33}}));
    CHECK(c.uncovered == 0);
    // A tail shorter than the minimum input is dropped; the samples no window covers are reported.
    c = cut_all(31, 10, 4, 8, chunk);
    CHECK((c.windows == Edges{{0, 10}, {4, 14}, {8, 18}, {12, 22}, {16, 26}, {20, 30}}));
    CHECK(c.uncovered == 1 && c.read == 31);
    // No overlap (hop == window).
    c = cut_all(25, 10, 10, 3, chunk);
    CHECK((c.windows == Edges{{0, 10}, {10, 20}, {20, 25}}));
    // Shorter than one window: the whole file is the tail.
    c = cut_all(5, 10, 4, 3, chunk);
    CHECK((c.windows == Edges{{0, 5}}));
    // Shorter than the minimum input: no window at all, everything uncovered.
    c = cut_all(2, 10, 4, 3, chunk);
    CHECK(c.windows.empty() && c.uncovered == 2);
  }
}

TEST_CASE("windows: each window's prediction equals a separate run on its samples (16 kHz and resampled)") {
  auto model = ser::SerModel::load(model_dir("w2v2_preln_layer_head"), {});
  ser_test::TempDir dir("ser-windows");
  const std::string at16k = dir.file("a16k.wav"), at44k = dir.file("a44k.wav");
  ser_test::write_test_wav(at16k, ser_test::test_signal(16000 * 2 + 3700), 16000);
  ser_test::write_test_wav(at44k, ser_test::test_signal(44100 * 2 + 999, 7), 44100);
  for (const std::string& path : {at16k, at44k}) {
    const std::vector<float> samples = ser::audio::load_mono(path, 16000);
    ser::WindowedPrediction run(model, path, {0.5, 0.3, 3});
    CHECK(run.plan().window == 8000 && run.plan().hop == 4800);
    std::vector<ser::WindowResult> all;
    for (auto batch = run.next_batch(); !batch.empty(); batch = run.next_batch()) {
      CHECK(batch.size() <= 3);
      for (auto& r : batch) all.push_back(std::move(r));
    }
    CHECK(run.finished());
    CHECK(run.samples_read() == static_cast<int64_t>(samples.size()));
    CHECK(all.size() == 7);  // 6 whole windows, to 2.0 s, then the tail from 1.8 s to the end
    CHECK(all.back().end == static_cast<int64_t>(samples.size()));
    for (std::size_t k = 0; k < all.size(); ++k) {
      CHECK(all[k].start == static_cast<int64_t>(k) * 4800);
      ser::AudioInput in;
      in.samples.assign(samples.begin() + all[k].start, samples.begin() + all[k].end);
      in.sample_rate = 16000;
      const auto alone = model->run({in}, ser::OutputKind::Predictions, 1);
      CHECK(alone[0].values.size() == all[k].values.size());
      for (std::size_t j = 0; j < alone[0].values.size(); ++j) CHECK_NEAR(all[k].values[j], alone[0].values[j], 1e-5);
    }
  }
}

TEST_CASE("windows: a file shorter than the minimum input is ERR_INPUT naming it; no head is ERR_NO_HEAD") {
  auto model = ser::SerModel::load(model_dir("w2v2_preln_layer_head"), {});
  ser_test::TempDir dir("ser-windows");
  const std::string tiny = dir.file("tiny.wav");
  ser_test::write_test_wav(tiny, ser_test::test_signal(399), 16000);
  ser::WindowedPrediction run(model, tiny, {4, 2, 8});
  const std::string msg = input_error([&] { run.next_batch(); });
  CHECK(contains(msg, tiny));
  CHECK(contains(msg, "too short: 399 samples"));
  auto backbone = ser::SerModel::load(model_dir("w2v2_postln_group"), {});
  CHECK_THROWS_CODE(ser::WindowedPrediction(backbone, tiny, {4, 2, 8}), ser::ErrorCode::NoHead);
  CHECK_THROWS_CODE(ser::WindowedPrediction(model, dir.file("missing.wav"), {4, 2, 8}), ser::ErrorCode::Audio);
  CHECK_THROWS_CODE(ser::WindowedPrediction(model, tiny, {4, 5, 8}), ser::ErrorCode::Input);
}
