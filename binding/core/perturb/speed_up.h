// The journal's speed-up: one segment of the clip played faster (resampled, so its pitch rises
// too), the rest untouched. Output length: N - length + round(length / factor).
#pragma once
#include <cstddef>
#include <vector>

namespace ser::perturb {

// Replaces x[start, start + length) by itself resampled to round(length / factor) samples
// (libsoxr, very high quality, as the audio decoder uses). start + length <= x.size().
std::vector<float> speed_up_segment(const std::vector<float>& x, std::size_t start, std::size_t length, double factor);

}  // namespace ser::perturb
