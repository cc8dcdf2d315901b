// Converts a loaded model once for inference in a reduced precision, so no call casts weights:
// bf16 plans hold the Linear and convolution weights in bf16 (half the memory); int8 plans pack
// the Linear layers (their float32 weights are released) and hold convolutions as the plan's
// matmul dtype says. Norms, positional weight norm, the head (`keep_float`) stay float32.
// Float32 plans keep the weights and only choose the Linear layers' route (fp32_linear.h).
#pragma once
#include <string>
#include <vector>

#include <torch/nn/module.h>

#include "precision/low_precision_weights.h"
#include "precision/precision.h"

namespace ser::precision {

// `keep_float`: module name prefixes left untouched (e.g. "classifier").
void prepare_for_inference(torch::nn::Module& model, const Plan& plan, const std::vector<std::string>& keep_float,
                           LowPrecisionWeights& weights);

}  // namespace ser::precision
