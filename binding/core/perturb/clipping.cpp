#include "perturb/clipping.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace ser::perturb {

void clip_share(std::vector<float>& x, double percent) {
  const auto k = static_cast<std::size_t>(std::llround(percent / 100.0 * static_cast<double>(x.size())));
  if (k == 0) return;
  float threshold = 0;
  if (k < x.size()) {
    std::vector<float> magnitude(x.size());
    std::transform(x.begin(), x.end(), magnitude.begin(), [](float v) { return std::fabs(v); });
    // Descending: [0, k) are the k largest, [k] is the threshold.
    std::nth_element(magnitude.begin(), magnitude.begin() + static_cast<std::ptrdiff_t>(k), magnitude.end(),
                     std::greater<float>());
    threshold = magnitude[k];
  }
  for (float& v : x) v = std::clamp(v, -threshold, threshold);
}

}  // namespace ser::perturb
