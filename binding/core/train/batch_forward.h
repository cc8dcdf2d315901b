// The model on part of a prepared batch, shared by the one-process and the data-parallel step.
#pragma once
#include <cstdint>
#include <vector>

#include <ATen/ATen.h>

#include "train/batch_loader.h"
#include "train/training_session.h"

namespace ser::train {

// Batch positions as an index tensor on `device` (for index_select / index_copy).
at::Tensor rows_tensor(const std::vector<size_t>& part, c10::Device device);

// Predictions of the manifest's dimensions for the batch positions in `part`, float32. With
// `pad_to` (data-parallel), the input is padded to that many samples: a rank's share then sees
// exactly the input the whole batch gives it in one process (padding can change the outputs).
at::Tensor forward_part(TrainingSession& s, const PreparedBatch& batch, const std::vector<size_t>& part,
                        int64_t pad_to = 0);

}  // namespace ser::train
