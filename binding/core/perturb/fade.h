// The journal's fade-in/fade-out as a tent: gain 1 at the clip's middle, falling linearly by
// `percent_per_second` % of full amplitude per second towards both ends, never below 0:
//   gain(i) = max(0, 1 - percent_per_second / 100 * |i - (N - 1) / 2| / rate)
// (a 10 s clip at 2 %/s starts and ends at 0.9; the curve is symmetric about the middle sample).
#pragma once
#include <cstddef>
#include <vector>

namespace ser::perturb {

double fade_gain(std::size_t i, std::size_t n, double rate, double percent_per_second);
void apply_fade(std::vector<float>& x, double rate, double percent_per_second);

}  // namespace ser::perturb
