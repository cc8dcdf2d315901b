#include "perturb/babble_noise.h"

#include <algorithm>
#include <cmath>

namespace ser::perturb {
namespace {

constexpr double kPi = 3.14159265358979323846;

// First three formants (Hz) of a few vowels (Peterson & Barney's male averages).
constexpr double kVowels[][3] = {
    {730, 1090, 2440}, {270, 2290, 3010}, {300, 870, 2240}, {530, 1840, 2480}, {570, 840, 2410}, {660, 1720, 2410},
};
constexpr double kBandwidths[3] = {80, 100, 130};

// A two-pole resonator with unit gain at its centre frequency (roughly).
struct Resonator {
  double a1 = 0, a2 = 0, g = 0, y1 = 0, y2 = 0;
  void tune(double freq, double bandwidth, double rate) {
    const double r = std::exp(-kPi * bandwidth / rate);
    a1 = 2 * r * std::cos(2 * kPi * freq / rate);
    a2 = -r * r;
    g = 1 - r;
  }
  double step(double x) {
    const double y = g * x + a1 * y1 + a2 * y2;
    y2 = y1;
    y1 = y;
    return y;
  }
};

void add_voice(std::vector<double>& sum, double rate, SeededRng& rng) {
  const double f0 = rng.uniform(90, 240);
  const double syllables_per_second = rng.uniform(3, 6);
  const double intonation_phase = rng.uniform(0, 2 * kPi);
  const double level = rng.uniform(0.6, 1.0);
  const double top = 0.45 * rate;  // formants stay below Nyquist at low rates
  Resonator formants[3];
  double phase = rng.uniform(), tilt = 0;
  std::size_t syllable_end = 0, syllable_start = 0;
  bool voiced = true;
  for (std::size_t i = 0; i < sum.size(); ++i) {
    if (i >= syllable_end) {
      syllable_start = i;
      const double seconds = rng.uniform(0.7, 1.3) / syllables_per_second;
      syllable_end = i + std::max<std::size_t>(1, static_cast<std::size_t>(seconds * rate));
      voiced = rng.uniform() >= 0.15;  // a pause now and then
      const auto& vowel = kVowels[rng.index(std::size(kVowels))];
      for (int f = 0; f < 3; ++f) formants[f].tune(std::min(vowel[f], top), kBandwidths[f], rate);
    }
    const double t = static_cast<double>(i) / rate;
    phase += f0 * (1.0 + 0.1 * std::sin(2 * kPi * 0.5 * t + intonation_phase)) / rate;
    double source = 0.05 * rng.normal();  // aspiration
    if (phase >= 1.0) {
      phase -= std::floor(phase);
      source += 1.0;
    }
    tilt = 0.9 * tilt + 0.1 * source;  // the glottal source's falling spectrum
    // Parallel formants, each weaker than the one below it.
    const double y = formants[0].step(tilt) + 0.6 * formants[1].step(tilt) + 0.3 * formants[2].step(tilt);
    const double u = static_cast<double>(i - syllable_start) / static_cast<double>(syllable_end - syllable_start);
    const double envelope = voiced ? std::sin(kPi * u) : 0.0;
    sum[i] += level * envelope * y;
  }
}

}  // namespace

std::vector<float> babble_noise(std::size_t n, double sample_rate, SeededRng& rng) {
  std::vector<double> sum(n, 0.0);
  for (int v = 0; v < kBabbleVoices; ++v) add_voice(sum, sample_rate, rng);
  double peak = 0;
  for (double s : sum) peak = std::max(peak, std::fabs(s));
  std::vector<float> out(n);
  const double scale = peak > 0 ? 0.5 / peak : 0.0;
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(sum[i] * scale);
  return out;
}

}  // namespace ser::perturb
