// Noise generated for the noise conditions when no folder of recordings is given: white
// (Gaussian) and pink (-3 dB per octave). Babble is in babble_noise.h. Any level: add_at_snr
// scales the noise to the SNR.
#pragma once
#include <cstddef>
#include <vector>

#include "perturb/seeded_rng.h"

namespace ser::perturb {

std::vector<float> white_noise(std::size_t n, SeededRng& rng);

// White noise through Paul Kellet's "refined" pink filter (within 0.05 dB of 1/f from 2e-4 of the
// sample rate upwards), after a warm-up that lets its slowest pole settle.
std::vector<float> pink_noise(std::size_t n, SeededRng& rng);

}  // namespace ser::perturb
