// The preprint's additive tone at a peak SNR: a sine of amplitude A = peak|x| * 10^(-snr/20), so
// 20 log10(peak|x| / A) = peak_snr_db. Silent input (peak 0) gets A = 0 and stays as it is.
#pragma once
#include <vector>

namespace ser::perturb {

void add_tone(std::vector<float>& x, double rate, double frequency_hz, double phase, double peak_snr_db);

}  // namespace ser::perturb
