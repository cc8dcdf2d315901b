// The preprint's filters: first-order Butterworth high-pass and low-pass, designed by the bilinear
// transform with the cutoff pre-warped (scipy.signal.butter(1, cutoff, btype, fs=rate)), run once
// forwards from a zero state (scipy.signal.lfilter): -3 dB at the cutoff.
#pragma once
#include <vector>

namespace ser::perturb {

struct FirstOrderFilter {
  double b0 = 1, b1 = 0, a1 = 0;  // y[n] = b0 x[n] + b1 x[n-1] - a1 y[n-1]
};

// cutoff_hz must lie in (0, rate / 2).
FirstOrderFilter butterworth_highpass(double cutoff_hz, double rate);
FirstOrderFilter butterworth_lowpass(double cutoff_hz, double rate);

void apply_filter(std::vector<float>& x, const FirstOrderFilter& f);

}  // namespace ser::perturb
