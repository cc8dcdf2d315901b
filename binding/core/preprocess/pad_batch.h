// Right-pads prepared waveforms with zeros into one (B, L) float tensor.
#pragma once
#include <cstdint>
#include <vector>

#include <torch/types.h>

namespace ser::preprocess {

torch::Tensor pad_batch(const std::vector<const std::vector<float>*>& waves, std::vector<int64_t>& lengths);

}  // namespace ser::preprocess
