#include "perturb/perturbation.h"

#include <algorithm>
#include <cmath>

#include "audio/audio_probe.h"
#include "error.h"
#include "message_text.h"
#include "perturb/babble_noise.h"
#include "perturb/builtin_noise.h"
#include "perturb/clipping.h"
#include "perturb/fade.h"
#include "perturb/first_order_filter.h"
#include "perturb/gain.h"
#include "perturb/length_edits.h"
#include "perturb/noise_clip.h"
#include "perturb/noise_mix.h"
#include "perturb/seeded_rng.h"
#include "perturb/speed_up.h"
#include "perturb/tone.h"

namespace ser::perturb {
namespace {

constexpr double kPi = 3.14159265358979323846;

[[noreturn]] void input_error(const std::string& message) { throw Error(ErrorCode::Input, "perturb: " + message); }

double pick(const Levels& levels, SeededRng& rng) { return levels[rng.index(levels.size())]; }

void check_input(const std::vector<float>& x, double rate) {
  if (!(rate >= 1000 && rate <= 384000))
    input_error("sampleRate " + compact_number(rate) + " is not a valid rate (1000..384000 Hz)");
  if (x.empty()) input_error("the audio is empty");
  for (std::size_t i = 0; i < x.size(); ++i)
    if (!std::isfinite(x[i])) input_error("sample " + std::to_string(i) + " is NaN or infinite");
}

void check_below_nyquist(const char* field, double hz, double rate) {
  if (hz >= rate / 2)
    input_error(std::string(field) + " " + compact_number(hz) + " Hz must be below half the sample rate (" +
                compact_number(rate / 2) + " Hz for audio at " + compact_number(rate) + " Hz)");
}

std::vector<float> noise_for(const Spec& s, std::size_t n, double rate, SeededRng& rng) {
  switch (s.builtin) {
    case BuiltinNoise::White: return white_noise(n, rng);
    case BuiltinNoise::Pink: return pink_noise(n, rng);
    case BuiltinNoise::Babble: return babble_noise(n, rate, rng);
    case BuiltinNoise::None: break;
  }
  const std::string& path = s.clips[rng.index(s.clips.size())];
  return noise_segment(load_noise_clip(path, rate), n, rng);
}

}  // namespace

Perturbation Perturbation::parse(const std::string& json_text) {
  Perturbation p;
  p.spec_ = parse_spec(json_text);
  return p;
}

void Perturbation::check_files() const {
  for (const auto& path : spec_.clips) audio::probe_file(path);
}

std::vector<float> Perturbation::apply(std::vector<float> x, double rate, uint64_t seed, const std::string& key) const {
  check_input(x, rate);
  const Spec& s = spec_;
  SeededRng rng(seed, key);
  const std::size_t n = x.size();
  switch (s.kind) {
    case Kind::Noise: {
      const double snr = pick(s.snr_db, rng);
      add_at_snr(x, noise_for(s, n, rate, rng), snr);
      break;
    }
    case Kind::SpeedUp: {
      const double fraction = rng.uniform(s.min_fraction, s.max_fraction);
      const auto length = std::min(n, static_cast<std::size_t>(std::llround(fraction * static_cast<double>(n))));
      const std::size_t start = rng.index(n - length + 1);
      x = speed_up_segment(x, start, length, s.factor);
      break;
    }
    case Kind::Fade: apply_fade(x, rate, s.percent_per_second); break;
    case Kind::Tone: {
      check_below_nyquist("maxHz", s.max_hz, rate);
      const double snr = pick(s.peak_snr_db, rng);
      const double hz = rng.uniform(s.min_hz, s.max_hz);
      add_tone(x, rate, hz, rng.uniform(0, 2 * kPi), snr);
      break;
    }
    case Kind::Zeros: append_zeros(x, static_cast<std::size_t>(pick(s.samples, rng))); break;
    case Kind::Crop: crop_start(x, static_cast<std::size_t>(pick(s.samples, rng))); break;
    case Kind::Clip: clip_share(x, pick(s.percent, rng)); break;
    case Kind::Gain: apply_gain_db(x, pick(s.db, rng)); break;
    case Kind::HighPass:
    case Kind::LowPass: {
      // Every level, not just the drawn one: whether a rate is refused must not depend on the key.
      for (double hz : s.cutoff_hz) check_below_nyquist("cutoffHz", hz, rate);
      const double hz = pick(s.cutoff_hz, rng);
      apply_filter(x, s.kind == Kind::HighPass ? butterworth_highpass(hz, rate) : butterworth_lowpass(hz, rate));
      break;
    }
  }
  // A gain of +100 dB on loud audio, or noise at -100 dB SNR, still fits a float; this says so
  // rather than let an infinity reach the model.
  for (float v : x)
    if (!std::isfinite(v))
      input_error(std::string("the '") + kind_name(s.kind) + "' perturbation made samples overflow a float");
  return x;
}

}  // namespace ser::perturb
