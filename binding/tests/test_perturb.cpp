// The robustness perturbations (binding/core/perturb): their maths (SNR, lengths, fade curve,
// gain, clipping share, tone level), the filters against scipy (test/fixtures/perturb, made by
// scripts/gen-perturb-fixtures.py), determinism per (seed, key), spec errors, and SerModel::run's
// per-input transform.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include "api/ser_model.h"
#include "error.h"
#include "perturb/babble_noise.h"
#include "perturb/builtin_noise.h"
#include "perturb/clipping.h"
#include "perturb/fade.h"
#include "perturb/first_order_filter.h"
#include "perturb/noise_clip.h"
#include "perturb/noise_mix.h"
#include "perturb/perturbation.h"
#include "perturb/seeded_rng.h"
#include "perturb/speed_up.h"
#include "temp_dir.h"
// Last: its CHECK replaces the glog CHECK that torch's headers bring in.
#include "harness.h"

namespace {

using nlohmann::json;
using ser::perturb::Perturbation;
using ser::perturb::SeededRng;

constexpr double kPi = 3.14159265358979323846;
constexpr double kRate = 16000;

// Speech-like test audio: a few harmonics under a syllable envelope, plus a little noise.
std::vector<float> speechlike(std::size_t n, uint64_t seed = 1, double rate = kRate) {
  SeededRng rng(seed, "speech");
  std::vector<float> x(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / rate;
    double v = 0;
    for (int h = 1; h <= 5; ++h) v += std::sin(2 * kPi * 140 * h * t) / h;
    x[i] = static_cast<float>(0.3 * (0.2 + 0.8 * std::fabs(std::sin(2 * kPi * 2.5 * t))) * v + 0.01 * rng.normal());
  }
  return x;
}

std::vector<float> perturbed(const std::string& spec, const std::vector<float>& x, uint64_t seed = 1,
                             const std::string& key = "#0", double rate = kRate) {
  return Perturbation::parse(spec).apply(x, rate, seed, key);
}

// 10 log10(P_clean / P_(mixed - clean)) over the whole clip.
double measured_snr_db(const std::vector<float>& clean, const std::vector<float>& mixed) {
  CHECK(clean.size() == mixed.size());
  double ps = 0, pn = 0;
  for (std::size_t i = 0; i < clean.size(); ++i) {
    const double d = static_cast<double>(mixed[i]) - clean[i];
    ps += static_cast<double>(clean[i]) * clean[i];
    pn += d * d;
  }
  return 10 * std::log10(ps / pn);
}

double peak(const std::vector<float>& x) {
  double p = 0;
  for (float v : x) p = std::max(p, static_cast<double>(std::fabs(v)));
  return p;
}

bool all_finite(const std::vector<float>& x) {
  return std::all_of(x.begin(), x.end(), [](float v) { return std::isfinite(v); });
}

// A mono 32-bit float WAV, written by hand so the test depends on nothing but the decoder it tests.
void write_wav(const std::string& path, const std::vector<float>& samples, int rate, int channels = 1) {
  std::ofstream f(path, std::ios::binary);
  auto u32 = [&](uint32_t v) { f.write(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](uint16_t v) { f.write(reinterpret_cast<const char*>(&v), 2); };
  const uint32_t bytes = static_cast<uint32_t>(samples.size() * 4);
  f.write("RIFF", 4);
  u32(36 + bytes);
  f.write("WAVEfmt ", 8);
  u32(16);
  u16(3);  // IEEE float
  u16(static_cast<uint16_t>(channels));
  u32(static_cast<uint32_t>(rate));
  u32(static_cast<uint32_t>(rate * channels * 4));
  u16(static_cast<uint16_t>(channels * 4));
  u16(32);
  f.write("data", 4);
  u32(bytes);
  f.write(reinterpret_cast<const char*>(samples.data()), bytes);
}

std::string error_of(const std::function<void()>& fn, ser::ErrorCode* code = nullptr) {
  try {
    fn();
  } catch (const ser::Error& e) {
    if (code) *code = e.code();
    return e.what();
  }
  return "";
}

void check_input_error(const std::string& spec, const std::string& part) {
  ser::ErrorCode code = ser::ErrorCode::Libtorch;
  const std::string message = error_of([&] { Perturbation::parse(spec); }, &code);
  if (code != ser::ErrorCode::Input || !contains(message, part))
    throw ser_test::Failure("spec " + spec + ": wanted an input error with '" + part + "', got '" + message + "'");
}

}  // namespace

TEST_CASE(
    "perturb: specs with unknown types or fields, wrong JSON types or values out of range are input errors naming the field") {
  check_input_error(R"({"type":"reverb"})", "perturb.type must be one of 'noise', 'speedup'");
  check_input_error(R"({"snrDb":3})", "perturb.type is required");
  check_input_error(R"([1,2])", "perturb must be a JSON object");
  check_input_error(R"({"type":"noise","snrDb":"10","builtin":"white"})",
                    "perturb.snrDb must be a finite number in [-100, 200] or a non-empty array of them, got \"10\"");
  check_input_error(R"({"type":"noise","snrDb":[0,"x"],"builtin":"white"})",
                    "perturb.snrDb[1] must be a finite number");
  check_input_error(R"({"type":"noise","snrDb":[],"builtin":"white"})", "perturb.snrDb must be");
  check_input_error(R"({"type":"noise","builtin":"white"})", "perturb.snrDb is required");
  check_input_error(R"({"type":"noise","snrDb":10,"builtin":"brown"})",
                    "perturb.builtin must be one of 'white', 'pink', 'babble'");
  check_input_error(R"({"type":"noise","snrDb":10})", "either clips (audio files) or builtin");
  check_input_error(R"({"type":"noise","snrDb":10,"builtin":"white","clips":["a.wav"]})", "not both");
  check_input_error(R"({"type":"noise","snrDb":10,"clips":[]})", "perturb.clips must be a non-empty array");
  check_input_error(R"({"type":"noise","snrDb":10,"clips":["a.wav",""]})",
                    "perturb.clips[1] must be a non-empty string");
  check_input_error(R"({"type":"gain","db":1,"dB":2})",
                    "perturb.dB is not a field of a 'gain' perturbation (its fields: type, db)");
  check_input_error(R"({"type":"gain","db":101})", "perturb.db must be a finite number in [-100, 100]");
  check_input_error(R"({"type":"zeros","samples":1.5})", "perturb.samples must be an integer in [0, 1e+08]");
  check_input_error(R"({"type":"speedup","factor":0})", "perturb.factor must be a finite number in [0.25, 4]");
  check_input_error(R"({"type":"speedup","minFraction":0.3,"maxFraction":0.2})",
                    "perturb.minFraction (0.3) must not exceed perturb.maxFraction (0.2)");
  check_input_error(R"({"type":"tone","peakSnrDb":40,"minHz":7000,"maxHz":5000})",
                    "perturb.minHz (7000) must not exceed");
  check_input_error(R"({"type":"fade","percentPerSecond":null})", "perturb.percentPerSecond must be a finite number");
  check_input_error(R"({"type":"clip","percent":-1})", "perturb.percent must be");
  check_input_error(R"({"type":"gain","db":1,"db":2})", "names the key 'db' twice");
  check_input_error("{\"type\":", "perturb: invalid JSON");
  // Well-formed specs parse, with the paper's defaults.
  const auto s = Perturbation::parse(R"({"type":"speedup"})").spec();
  CHECK(s.factor == 1.25 && s.min_fraction == 0.1 && s.max_fraction == 0.2);
  CHECK(Perturbation::parse(R"({"type":"fade"})").spec().percent_per_second == 2);
}

TEST_CASE("perturb: builtin white, pink and babble noise are mixed at the SNR over the whole clip within 0.05 dB") {
  const auto clean = speechlike(3 * 16000);
  double worst = 0;
  for (const char* kind : {"white", "pink", "babble"}) {
    for (double snr : {-5.0, 0.0, 10.0, 20.0, 35.0, 45.0}) {
      const auto mixed = perturbed(
          std::string(R"({"type":"noise","builtin":")") + kind + R"(","snrDb":)" + std::to_string(snr) + "}", clean);
      CHECK(mixed.size() == clean.size());
      CHECK(all_finite(mixed));
      const double err = std::fabs(measured_snr_db(clean, mixed) - snr);
      worst = std::max(worst, err);
      CHECK_NEAR(measured_snr_db(clean, mixed), snr, 0.05);
    }
  }
  std::printf("     builtin noise: worst SNR error %.2e dB\n", worst);
}

TEST_CASE(
    "perturb: noise clips (looped when shorter, cropped when longer, any rate) are mixed at the SNR within 0.05 dB") {
  ser_test::TempDir dir("ser-perturb");
  SeededRng rng(9, "clips");
  std::vector<float> short_clip(4000), long_clip(44100 * 4);
  for (auto& v : short_clip) v = static_cast<float>(0.2 * rng.normal());
  for (std::size_t i = 0; i < long_clip.size(); ++i)
    long_clip[i] = static_cast<float>(0.1 * std::sin(2 * kPi * 300 * i / 44100.0) + 0.05 * rng.normal());
  write_wav(dir.file("short.wav"), short_clip, 16000);
  write_wav(dir.file("long44k.wav"), long_clip, 44100);
  const auto clean = speechlike(2 * 16000);
  double worst = 0;
  for (const char* clip : {"short.wav", "long44k.wav"}) {
    for (double snr : {0.0, 10.0, 20.0}) {
      const std::string spec =
          R"({"type":"noise","snrDb":)" + std::to_string(snr) + R"(,"clips":[")" + dir.file(clip) + R"("]})";
      const auto mixed = perturbed(spec, clean, 3, "a.wav");
      worst = std::max(worst, std::fabs(measured_snr_db(clean, mixed) - snr));
      CHECK_NEAR(measured_snr_db(clean, mixed), snr, 0.05);
    }
  }
  std::printf("     noise clips: worst SNR error %.2e dB\n", worst);
  // The short clip is looped: the added noise repeats with the clip's period.
  const std::string spec = R"({"type":"noise","snrDb":0,"clips":[")" + dir.file("short.wav") + R"("]})";
  const auto mixed = perturbed(spec, clean, 3, "a.wav");
  for (std::size_t i = 0; i < 1000; ++i) CHECK_NEAR(mixed[i] - clean[i], mixed[i + 4000] - clean[i + 4000], 1e-6);
}

TEST_CASE("perturb: one clip of the list is drawn per key, each of them for some key") {
  ser_test::TempDir dir("ser-perturb");
  std::string clips;
  const double freqs[] = {250, 500, 1000, 2000};
  for (int c = 0; c < 4; ++c) {
    // Each clip a sine of its own frequency: the noise added tells which clip was drawn.
    std::vector<float> sine(20000);
    for (std::size_t i = 0; i < sine.size(); ++i)
      sine[i] = static_cast<float>(0.1 * std::sin(2 * kPi * freqs[c] * i / kRate));
    write_wav(dir.file("c" + std::to_string(c) + ".wav"), sine, 16000);
    clips += std::string(c ? "," : "") + "\"" + dir.file("c" + std::to_string(c) + ".wav") + "\"";
  }
  const auto clean = speechlike(8000);
  std::set<long> drawn;
  for (int k = 0; k < 40; ++k) {
    const auto mixed =
        perturbed(R"({"type":"noise","snrDb":10,"clips":[)" + clips + "]}", clean, 1, "file" + std::to_string(k));
    std::size_t crossings = 0;  // f Hz over 0.5 s: f crossings
    for (std::size_t i = 1; i < mixed.size(); ++i)
      crossings += ((mixed[i - 1] - clean[i - 1]) < 0) != ((mixed[i] - clean[i]) < 0);
    drawn.insert(std::lround(crossings / 250.0));
  }
  CHECK(drawn == (std::set<long>{1, 2, 4, 8}));
}

TEST_CASE("perturb: a noise clip in zero padding is moved to its sound; silent speech stays silent, never NaN") {
  // Sound only in the last 1000 samples of a 20000-sample clip: any segment drawn in the
  // padding would be silent and could not reach the SNR.
  std::vector<float> clip(20000, 0.0f);
  for (std::size_t i = 19000; i < clip.size(); ++i) clip[i] = static_cast<float>(std::sin(0.3 * i));
  for (int k = 0; k < 20; ++k) {
    SeededRng rng(k, "pad");
    CHECK(ser::perturb::mean_square(ser::perturb::noise_segment(clip, 4000, rng)) > 0);
  }
  const std::vector<float> silence(16000, 0.0f);
  for (const char* spec : {R"({"type":"noise","snrDb":0,"builtin":"white"})", R"({"type":"tone","peakSnrDb":40})",
                           R"({"type":"clip","percent":0.3})", R"({"type":"highpass","cutoffHz":100})"}) {
    const auto out = perturbed(spec, silence);
    CHECK(out == silence);
  }
}

TEST_CASE("perturb: noise clips that cannot be decoded, or are silent, are audio errors naming the file") {
  ser_test::TempDir dir("ser-perturb");
  { std::ofstream(dir.file("broken.wav")) << "RIFF not really"; }
  write_wav(dir.file("silent.wav"), std::vector<float>(8000, 0.0f), 16000);
  const auto clean = speechlike(8000);
  for (const char* name : {"broken.wav", "missing.wav", "silent.wav"}) {
    const auto p = Perturbation::parse(R"({"type":"noise","snrDb":0,"clips":[")" + dir.file(name) + R"("]})");
    ser::ErrorCode code = ser::ErrorCode::Libtorch;
    const std::string message = error_of([&] { p.apply(clean, kRate, 1, "#0"); }, &code);
    CHECK(code == ser::ErrorCode::Audio);
    CHECK(contains(message, dir.file(name)));
    CHECK(ser::perturb::noise_clip_problem(dir.file(name)) == message);
  }
  const auto missing =
      Perturbation::parse(R"({"type":"noise","snrDb":0,"clips":[")" + dir.file("missing.wav") + R"("]})");
  CHECK_THROWS_CODE(missing.check_files(), ser::ErrorCode::Audio);
  CHECK(contains(error_of([&] { missing.check_files(); }), dir.file("missing.wav")));
}

TEST_CASE("perturb: speed-up compresses one segment to round(L / factor) and leaves the rest untouched") {
  const auto x = speechlike(16000);
  for (std::size_t length : {1600u, 2401u, 3200u}) {
    const std::size_t start = 5000;
    const auto y = ser::perturb::speed_up_segment(x, start, length, 1.25);
    const auto squeezed = static_cast<std::size_t>(std::llround(length / 1.25));
    CHECK(y.size() == x.size() - length + squeezed);
    CHECK(std::equal(x.begin(), x.begin() + start, y.begin()));
    CHECK(std::equal(x.begin() + start + length, x.end(), y.begin() + start + squeezed));
    // The squeezed segment holds the same sound (same RMS within 2 %), not zeros or garbage.
    std::vector<float> a(x.begin() + start, x.begin() + start + length),
        b(y.begin() + start, y.begin() + start + squeezed);
    CHECK_NEAR(std::sqrt(ser::perturb::mean_square(b) / ser::perturb::mean_square(a)), 1.0, 0.02);
  }
  // Drawn per key: a segment of 10-20 % somewhere in the clip.
  for (int k = 0; k < 10; ++k) {
    const auto y = perturbed(R"({"type":"speedup","factor":1.25,"minFraction":0.1,"maxFraction":0.2})", x, 1,
                             "k" + std::to_string(k));
    const std::size_t removed = x.size() - y.size();  // L - round(L / 1.25) = L / 5 (rounded)
    CHECK(removed >= 320 - 1 && removed <= 640 + 1);
    std::size_t prefix = 0, suffix = 0;
    while (prefix < y.size() && x[prefix] == y[prefix]) ++prefix;
    while (suffix < y.size() && x[x.size() - 1 - suffix] == y[y.size() - 1 - suffix]) ++suffix;
    CHECK(prefix + suffix >= x.size() - 3200);  // everything outside the segment is untouched
  }
}

TEST_CASE("perturb: the fade is a tent, 1 at the middle, falling 2 % per second towards both ends, clamped at 0") {
  const std::size_t n = 10 * 16000 + 1;  // odd: the middle is a sample
  const auto y = perturbed(R"({"type":"fade","percentPerSecond":2})", std::vector<float>(n, 1.0f));
  CHECK(y.size() == n);
  CHECK_NEAR(y[n / 2], 1.0, 1e-7);
  CHECK_NEAR(y[0], 0.9, 1e-6);
  CHECK_NEAR(y[n - 1], 0.9, 1e-6);
  CHECK_NEAR(y[n / 2 + 16000], 0.98, 1e-6);  // one second after the middle
  CHECK_NEAR(y[n / 2 - 32000], 0.96, 1e-6);  // two seconds before it
  // 2 %/s reaches 0 50 s from the middle: a 120 s clip's ends are clamped.
  CHECK(ser::perturb::fade_gain(0, 120 * 16000, kRate, 2) == 0.0);
  CHECK_NEAR(ser::perturb::fade_gain(10 * 16000, 120 * 16000, kRate, 2), 0.0, 1e-4);
}

TEST_CASE("perturb: gain changes the level by exactly the dB asked") {
  const auto x = speechlike(8000);
  for (double db : {-2.0, -1.0, 1.0, 2.0}) {
    const auto y = perturbed(R"({"type":"gain","db":)" + std::to_string(db) + "}", x);
    const double measured = 10 * std::log10(ser::perturb::mean_square(y) / ser::perturb::mean_square(x));
    CHECK_NEAR(measured, db, 1e-5);
  }
}

TEST_CASE("perturb: clipping changes round(percent / 100 * N) samples, the largest ones") {
  SeededRng rng(4, "clip");
  std::vector<float> x(20000);
  for (auto& v : x) v = static_cast<float>(rng.normal());
  for (double percent : {0.1, 0.2, 0.3}) {
    const auto y = perturbed(R"({"type":"clip","percent":)" + std::to_string(percent) + "}", x);
    std::size_t changed = 0;
    for (std::size_t i = 0; i < x.size(); ++i) changed += x[i] != y[i];
    CHECK(changed == static_cast<std::size_t>(std::llround(percent / 100 * x.size())));
    CHECK(peak(y) < peak(x));
  }
}

TEST_CASE("perturb: the tone is at 5-7 kHz and its peak SNR is within 0.05 dB") {
  const auto x = speechlike(16000);
  for (double snr : {40.0, 45.0, 50.0}) {
    for (int k = 0; k < 3; ++k) {
      const auto y =
          perturbed(R"({"type":"tone","peakSnrDb":)" + std::to_string(snr) + "}", x, 2, "t" + std::to_string(k));
      std::vector<float> tone(x.size());
      for (std::size_t i = 0; i < x.size(); ++i) tone[i] = y[i] - x[i];
      CHECK_NEAR(20 * std::log10(peak(x) / peak(tone)), snr, 0.05);
      std::size_t crossings = 0;  // a sine of f Hz crosses zero 2 f times a second
      for (std::size_t i = 1; i < tone.size(); ++i) crossings += (tone[i - 1] < 0) != (tone[i] < 0);
      CHECK(crossings >= 2 * 5000 - 4 && crossings <= 2 * 7000 + 4);
    }
  }
}

TEST_CASE("perturb: appended zeros and the cropped start change the length by the samples asked") {
  const auto x = speechlike(4000);
  const auto z = perturbed(R"({"type":"zeros","samples":500})", x);
  CHECK(z.size() == 4500);
  CHECK(std::equal(x.begin(), x.end(), z.begin()));
  CHECK(std::all_of(z.begin() + 4000, z.end(), [](float v) { return v == 0.0f; }));
  const auto c = perturbed(R"({"type":"crop","samples":1000})", x);
  CHECK(c.size() == 3000);
  CHECK(std::equal(x.begin() + 1000, x.end(), c.begin()));
  CHECK(perturbed(R"({"type":"crop","samples":10000})", x).size() == 1);  // never empty
  // Levels: one of them per key.
  std::set<std::size_t> sizes;
  for (int k = 0; k < 30; ++k)
    sizes.insert(perturbed(R"({"type":"zeros","samples":[100,500,1000]})", x, 1, std::to_string(k)).size());
  CHECK(sizes == (std::set<std::size_t>{4100, 4500, 5000}));
}

TEST_CASE("perturb: first-order Butterworth high- and low-pass match scipy's butter + lfilter and freqz") {
  std::ifstream in(ser_test::fixtures_dir() + "/perturb/filters.json");
  CHECK(in.good());
  const json fixture = json::parse(in);
  double worst_out = 0, worst_coef = 0, worst_response = 0;
  for (const auto& c : fixture["cases"]) {
    const double rate = c["rate"], cutoff = c["cutoff"];
    const bool high = c["btype"] == "highpass";
    const auto f =
        high ? ser::perturb::butterworth_highpass(cutoff, rate) : ser::perturb::butterworth_lowpass(cutoff, rate);
    for (auto [got, want] :
         {std::pair{f.b0, c["b"][0].get<double>()}, {f.b1, c["b"][1].get<double>()}, {f.a1, c["a"][1].get<double>()}})
      worst_coef = std::max(worst_coef, std::fabs(got - want));
    // |H(e^jw)| = |b0 + b1 e^-jw| / |1 + a1 e^-jw|
    for (std::size_t i = 0; i < c["response_hz"].size(); ++i) {
      const double w = 2 * kPi * c["response_hz"][i].get<double>() / rate;
      const double num = std::hypot(f.b0 + f.b1 * std::cos(w), f.b1 * std::sin(w));
      const double den = std::hypot(1 + f.a1 * std::cos(w), f.a1 * std::sin(w));
      worst_response = std::max(worst_response, std::fabs(num / den - c["response_abs"][i].get<double>()));
    }
    // The perturbation itself, end to end.
    const auto x = c["input"].get<std::vector<float>>();
    const auto y = perturbed(std::string(R"({"type":")") + (high ? "highpass" : "lowpass") + R"(","cutoffHz":)" +
                                 std::to_string(cutoff) + "}",
                             x, 1, "#0", rate);
    CHECK(y.size() == x.size());
    for (std::size_t i = 0; i < y.size(); ++i)
      worst_out = std::max(worst_out, std::fabs(y[i] - c["output"][i].get<double>()));
  }
  std::printf("     filters vs scipy %s: coefficients %.1e, |H| %.1e, outputs %.1e (max abs)\n",
              fixture["scipy"].get<std::string>().c_str(), worst_coef, worst_response, worst_out);
  CHECK(worst_coef < 1e-12);
  CHECK(worst_response < 1e-9);
  CHECK(worst_out < 1e-6);  // float32 output rounding
  // Cutoffs at or above Nyquist are refused, naming the rate.
  const std::string message =
      error_of([&] { perturbed(R"({"type":"lowpass","cutoffHz":[6500,7500]})", speechlike(800), 1, "#0", 8000); });
  CHECK(contains(message, "cutoffHz 6500 Hz must be below half the sample rate (4000 Hz for audio at 8000 Hz)"));
}

TEST_CASE("perturb: the same seed and key give the same output; another key or seed another one") {
  const auto x = speechlike(16000);
  for (const char* spec :
       {R"({"type":"noise","snrDb":10,"builtin":"babble"})", R"({"type":"noise","snrDb":10,"builtin":"pink"})",
        R"({"type":"speedup"})", R"({"type":"tone","peakSnrDb":[40,45,50]})"}) {
    const auto a = perturbed(spec, x, 7, "x/a.wav"), b = perturbed(spec, x, 7, "x/a.wav");
    CHECK(a == b);
    CHECK(perturbed(spec, x, 7, "x/b.wav") != a);
    CHECK(perturbed(spec, x, 8, "x/a.wav") != a);
  }
}

TEST_CASE("perturb: builtin pink noise falls about 3 dB per octave, white noise is flat") {
  SeededRng rng(5, "pink");
  const std::size_t n = 1 << 18;
  auto band_db = [&](const std::vector<float>& noise) {
    const auto spectrum =
        at::fft_rfft(at::from_blob(const_cast<float*>(noise.data()), {static_cast<int64_t>(n)}).to(at::kDouble));
    const auto power = spectrum.abs().pow(2);
    std::vector<double> out;
    for (double lo = 125; lo < 4000; lo *= 2) {  // mean power density in octave bands
      const auto a = static_cast<int64_t>(lo * n / kRate), b = static_cast<int64_t>(2 * lo * n / kRate);
      out.push_back(10 * std::log10(power.slice(0, a, b).mean().item<double>()));
    }
    return out;
  };
  const auto pink = band_db(ser::perturb::pink_noise(n, rng));
  const auto white = band_db(ser::perturb::white_noise(n, rng));
  std::printf("     pink octave steps (dB):");
  for (std::size_t i = 1; i < pink.size(); ++i) {
    std::printf(" %.2f", pink[i] - pink[i - 1]);
    CHECK_NEAR(pink[i] - pink[i - 1], -3.01, 0.5);
    CHECK_NEAR(white[i] - white[i - 1], 0.0, 0.5);
  }
  std::printf("\n");
  // Babble has speech's band: most of its power below 4 kHz.
  const auto babble = ser::perturb::babble_noise(n, kRate, rng);
  const auto power =
      at::fft_rfft(at::from_blob(const_cast<float*>(babble.data()), {static_cast<int64_t>(n)}).to(at::kDouble))
          .abs()
          .pow(2);
  const double low = power.slice(0, 0, n / 4).sum().item<double>(), all = power.sum().item<double>();
  CHECK(low / all > 0.9);
}

TEST_CASE("perturb: audio that is empty, not finite, or at an impossible rate is an input error") {
  const auto p = Perturbation::parse(R"({"type":"gain","db":1})");
  CHECK_THROWS_CODE(p.apply({}, kRate, 1, "#0"), ser::ErrorCode::Input);
  CHECK_THROWS_CODE(p.apply({0.1f, NAN}, kRate, 1, "#0"), ser::ErrorCode::Input);
  CHECK(contains(error_of([&] { p.apply({0.1f}, 10, 1, "#0"); }), "sampleRate 10 is not a valid rate"));
  const auto loud = Perturbation::parse(R"({"type":"gain","db":100})");
  CHECK(contains(error_of([&] { loud.apply({3e37f}, kRate, 1, "#0"); }), "made samples overflow a float"));
}

TEST_CASE("perturb: SerModel::run applies the transform per input, keyed by path or #index, at the model's rate") {
  const auto dir = ser_test::fixtures_dir() + "/models/w2v2_preln_layer_head";
  auto model = ser::SerModel::load(dir, {});
  ser_test::TempDir tmp("ser-perturb");
  write_wav(tmp.file("a.wav"), speechlike(8000, 2, 8000), 8000);
  std::vector<ser::AudioInput> inputs(3);
  inputs[0].samples = speechlike(6000);
  inputs[0].sample_rate = kRate;
  inputs[1].path = tmp.file("a.wav");
  inputs[2].samples = speechlike(4410, 3, 44100);
  inputs[2].sample_rate = 44100;
  std::vector<std::pair<std::string, std::size_t>> seen;
  auto record = [&](std::vector<float> s, int rate, const std::string& key) {
    CHECK(rate == model->description().sampling_rate);
    seen.emplace_back(key, s.size());
    return s;
  };
  const auto plain = model->run(inputs, ser::OutputKind::Predictions, 2);
  const auto same = model->run(inputs, ser::OutputKind::Predictions, 2, record);
  CHECK((seen ==
         std::vector<std::pair<std::string, std::size_t>>{{"#0", 6000}, {tmp.file("a.wav"), 16000}, {"#2", 1600}}));
  for (std::size_t i = 0; i < plain.size(); ++i) CHECK(plain[i].values == same[i].values);
  // A perturbation changes the output of the input it applies to, before normalisation (a gain
  // alone would be undone by it: the model normalises each input).
  const auto p = Perturbation::parse(R"({"type":"noise","snrDb":0,"builtin":"white"})");
  const auto noisy = model->run(
      inputs, ser::OutputKind::Predictions, 2,
      [&](std::vector<float> s, int rate, const std::string& key) { return p.apply(std::move(s), rate, 1, key); });
  for (std::size_t i = 0; i < plain.size(); ++i) CHECK(plain[i].values != noisy[i].values);
}
