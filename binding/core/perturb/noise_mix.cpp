#include "perturb/noise_mix.h"

#include <algorithm>
#include <cmath>

namespace ser::perturb {

double mean_square(const std::vector<float>& x) {
  if (x.empty()) return 0;
  double sum = 0;
  for (float v : x) sum += static_cast<double>(v) * v;
  return sum / static_cast<double>(x.size());
}

void add_at_snr(std::vector<float>& speech, const std::vector<float>& noise, double snr_db) {
  const double ps = mean_square(speech), pn = mean_square(noise);
  if (ps <= 0 || pn <= 0) return;
  const double g = std::sqrt(ps / (pn * std::pow(10.0, snr_db / 10.0)));
  for (std::size_t i = 0; i < speech.size(); ++i) speech[i] = static_cast<float>(speech[i] + g * noise[i]);
}

std::vector<float> noise_segment(const std::vector<float>& clip, std::size_t n, SeededRng& rng) {
  const std::size_t len = clip.size();
  const bool crop = len >= n;
  std::size_t start = crop ? rng.index(len - n + 1) : rng.index(len);
  auto take = [&](std::size_t from) {
    std::vector<float> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = clip[crop ? from + i : (from + i) % len];
    return out;
  };
  std::vector<float> out = take(start);
  if (mean_square(out) > 0) return out;
  const auto first = std::find_if(clip.begin(), clip.end(), [](float v) { return v != 0.0f; });
  if (first == clip.end()) return out;  // a silent clip: add_at_snr then adds nothing
  start = static_cast<std::size_t>(first - clip.begin());
  if (crop) start = std::min(start, len - n);
  return take(start);
}

}  // namespace ser::perturb
