// The preprint's length changes: zeros appended at the end, samples cropped from the start.
#pragma once
#include <cstddef>
#include <vector>

namespace ser::perturb {

void append_zeros(std::vector<float>& x, std::size_t count);

// Removes min(count, N - 1) samples: at least one sample is always left.
void crop_start(std::vector<float>& x, std::size_t count);

}  // namespace ser::perturb
