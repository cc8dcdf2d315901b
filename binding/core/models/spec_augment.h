// SpecAugment as Hugging Face applies it in training (_compute_mask_indices): spans of
// mask_time_length frames replaced by masked_spec_embed, and feature channels zeroed.
#pragma once
#include <vector>

#include <torch/types.h>

namespace ser::models {

// (B, T) bool mask of spans. Per item: int(prob * len / span + eps) spans (eps ~ U[0,1) once per
// call), at least `min_masks`, start positions drawn without replacement from the valid frames.
// Items shorter than one span get no mask (HF raises there; a short clip should not stop training).
torch::Tensor compute_span_mask(int64_t batch, int64_t frames, const std::vector<int64_t>& lengths, double prob,
                                int64_t span, int64_t min_masks);

}  // namespace ser::models
