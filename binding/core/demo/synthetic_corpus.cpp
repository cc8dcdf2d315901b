#include "demo/synthetic_corpus.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include <sndfile.h>

#include "error.h"

namespace ser::demo {
namespace {

constexpr int kRate = 16000;
constexpr double kPi = 3.14159265358979323846;

struct Speaker {
  double pitch_offset;  // Hz
  double formant;       // Hz
  std::string gender;
};

// One clip: a pulse train at the (jittered, moving) pitch, tilted by a one-pole low-pass,
// coloured by a speaker formant, amplitude-modulated at the syllable rate.
std::vector<float> synthesise(double a, double d, double v, const Speaker& spk, double seconds, std::mt19937_64& rng) {
  std::normal_distribution<double> gauss(0.0, 1.0);
  const size_t n = static_cast<size_t>(seconds * kRate);
  std::vector<float> out(n);
  const double f0 = 80.0 + 220.0 * d + spk.pitch_offset;
  const double rate = 2.0 + 6.0 * a;
  const double glide = 0.25 * a;  // pitch movement with arousal
  const double jitter = 0.02 * (1.0 - v) + 0.002;
  const double tilt = 0.35 + 0.6 * (1.0 - v);  // one-pole coefficient: higher = duller
  const double breath = 0.02 + 0.15 * a;       // aspiration noise per sample
  // Two-pole resonator for the formant.
  const double r = 0.97, theta = 2 * kPi * spk.formant / kRate;
  const double b1 = 2 * r * std::cos(theta), b2 = -r * r;
  double phase = 0, period_f0 = f0, lp = 0, y1 = 0, y2 = 0;
  const double start_phase = std::uniform_real_distribution<double>(0, 1)(rng);
  for (size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / kRate;
    double excitation = 0;
    phase += period_f0 * (1.0 + glide * std::sin(2 * kPi * 0.7 * t)) / kRate;
    if (phase >= 1.0) {
      phase -= 1.0;
      excitation = 1.0;
      period_f0 = f0 * (1.0 + jitter * gauss(rng));
    }
    excitation += breath * gauss(rng);
    lp = (1 - tilt) * excitation + tilt * lp;
    const double y = lp + b1 * y1 + b2 * y2;
    y2 = y1, y1 = y;
    const double env = 0.15 + 0.85 * 0.5 * (1 - std::cos(2 * kPi * (rate * t + start_phase)));
    out[i] = static_cast<float>(env * (lp + 0.05 * y) + 0.002 * gauss(rng));
  }
  double peak = 1e-9;
  for (float s : out) peak = std::max(peak, static_cast<double>(std::fabs(s)));
  for (float& s : out) s = static_cast<float>(s / peak * 0.7);
  return out;
}

void write_wav(const std::string& path, const std::vector<float>& samples) {
  SF_INFO info{};
  info.samplerate = kRate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  if (!f) throw Error(ErrorCode::Io, "cannot write " + path + ": " + sf_strerror(nullptr));
  sf_writef_float(f, samples.data(), static_cast<sf_count_t>(samples.size()));
  sf_close(f);
}

}  // namespace

CorpusFiles write_synthetic_corpus(const CorpusOptions& o) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(fs::path(o.dir) / "wav", ec);
  if (ec) throw Error(ErrorCode::Io, "cannot create " + o.dir + ": " + ec.message());
  std::mt19937_64 rng(o.seed);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<Speaker> speakers;
  for (int s = 0; s < o.speakers; ++s)
    speakers.push_back({-5.0 + 10.0 * unit(rng), 500.0 + 1500.0 * unit(rng), s % 2 ? "male" : "female"});

  CorpusFiles files;
  const std::pair<const char*, int> splits[] = {{"train", o.train}, {"dev", o.dev}, {"test", o.test}};
  int clip = 0;
  for (auto& [split, count] : splits) {
    const std::string manifest = (fs::path(o.dir) / (std::string(split) + ".csv")).string();
    std::ofstream csv(manifest);
    csv << "file,arousal,dominance,valence,speaker,gender\n";
    for (int i = 0; i < count; ++i, ++clip) {
      std::mt19937_64 clip_rng(o.seed * 1000003ULL + clip);
      const double a = unit(clip_rng), d = unit(clip_rng), v = unit(clip_rng);
      const int s = static_cast<int>(clip_rng() % speakers.size());
      const double seconds = o.min_seconds + (o.max_seconds - o.min_seconds) * unit(clip_rng);
      const std::string name = "wav/" + std::string(split) + "_" + std::to_string(i) + ".wav";
      write_wav((fs::path(o.dir) / name).string(), synthesise(a, d, v, speakers[s], seconds, clip_rng));
      // Labels on MSP-Podcast's 1..7 scale, as a real corpus would give them.
      csv << name << "," << 1 + 6 * a << "," << 1 + 6 * d << "," << 1 + 6 * v << ",spk" << s << ","
          << speakers[s].gender << "\n";
    }
    if (!csv) throw Error(ErrorCode::Io, "cannot write " + manifest);
    (std::string(split) == "train" ? files.train : std::string(split) == "dev" ? files.dev : files.test) = manifest;
  }
  return files;
}

}  // namespace ser::demo
