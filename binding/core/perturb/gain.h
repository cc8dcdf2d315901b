// The preprint's gain change: every sample times 10^(db / 20) (no clipping: samples are floats).
#pragma once
#include <vector>

namespace ser::perturb {

void apply_gain_db(std::vector<float>& x, double db);

}  // namespace ser::perturb
