#include "perturb/first_order_filter.h"

#include <cmath>

namespace ser::perturb {
namespace {

// tan(pi fc / fs): the pre-warped analogue cutoff over 2 fs.
double warped(double cutoff_hz, double rate) { return std::tan(3.14159265358979323846 * cutoff_hz / rate); }

}  // namespace

FirstOrderFilter butterworth_highpass(double cutoff_hz, double rate) {
  // H(s) = s / (s + wc), bilinear s = 2 fs (z - 1) / (z + 1).
  const double k = warped(cutoff_hz, rate);
  return {1.0 / (1.0 + k), -1.0 / (1.0 + k), (k - 1.0) / (k + 1.0)};
}

FirstOrderFilter butterworth_lowpass(double cutoff_hz, double rate) {
  // H(s) = wc / (s + wc).
  const double k = warped(cutoff_hz, rate);
  return {k / (1.0 + k), k / (1.0 + k), (k - 1.0) / (k + 1.0)};
}

void apply_filter(std::vector<float>& x, const FirstOrderFilter& f) {
  double x1 = 0, y1 = 0;
  for (float& v : x) {
    const double y = f.b0 * v + f.b1 * x1 - f.a1 * y1;
    x1 = v;
    y1 = y;
    v = static_cast<float>(y);
  }
}

}  // namespace ser::perturb
