#include "perturb/tone.h"

#include <algorithm>
#include <cmath>

namespace ser::perturb {

void add_tone(std::vector<float>& x, double rate, double frequency_hz, double phase, double peak_snr_db) {
  double peak = 0;
  for (float v : x) peak = std::max(peak, static_cast<double>(std::fabs(v)));
  const double amplitude = peak * std::pow(10.0, -peak_snr_db / 20.0);
  const double step = 2 * 3.14159265358979323846 * frequency_hz / rate;
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<float>(x[i] + amplitude * std::sin(step * static_cast<double>(i) + phase));
}

}  // namespace ser::perturb
