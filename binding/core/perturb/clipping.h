// The preprint's clipping: the round(percent / 100 * N) samples of largest magnitude are clipped
// to the magnitude of the next one (+-threshold), so that share of samples changes (fewer only
// when magnitudes tie at the threshold). 100 % clips everything to 0.
#pragma once
#include <vector>

namespace ser::perturb {

void clip_share(std::vector<float>& x, double percent);

}  // namespace ser::perturb
