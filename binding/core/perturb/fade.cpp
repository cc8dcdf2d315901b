#include "perturb/fade.h"

#include <algorithm>
#include <cmath>

namespace ser::perturb {

double fade_gain(std::size_t i, std::size_t n, double rate, double percent_per_second) {
  const double from_middle = std::fabs(static_cast<double>(i) - (static_cast<double>(n) - 1.0) / 2.0) / rate;
  return std::max(0.0, 1.0 - percent_per_second / 100.0 * from_middle);
}

void apply_fade(std::vector<float>& x, double rate, double percent_per_second) {
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<float>(x[i] * fade_gain(i, x.size(), rate, percent_per_second));
}

}  // namespace ser::perturb
