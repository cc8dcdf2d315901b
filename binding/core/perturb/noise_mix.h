// Additive noise at a signal-to-noise ratio over the whole clip: 10 log10(P_speech / P_noise)
// = snr_db, with P the mean square over all samples (RMS SNR).
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "perturb/seeded_rng.h"

namespace ser::perturb {

// Mean square in double precision; 0 for an empty signal.
double mean_square(const std::vector<float>& x);

// speech += g * noise with g chosen for the SNR (noise.size() == speech.size()). Silent speech
// (mean square 0) or silent noise: no ratio can be met, and the speech is left as it is (g = 0),
// so no NaN or infinity can come out.
void add_at_snr(std::vector<float>& speech, const std::vector<float>& noise, double snr_db);

// `n` samples of a noise clip from a random start: a clip at least `n` long is cropped (the start
// drawn so the segment fits), a shorter one is looped from its start. A segment that would be
// all zeros (e.g. in a clip's zero padding) starts instead at the clip's first non-zero sample.
// The clip must not be empty.
std::vector<float> noise_segment(const std::vector<float>& clip, std::size_t n, SeededRng& rng);

}  // namespace ser::perturb
