// What a data-parallel run adds around the one-process trainer: connecting the ranks and
// checking they run the same thing before the first step, the same start weights (rank 0's),
// and BatchNorm running statistics kept identical (averaged) before evaluation and saving.
#pragma once
#include <memory>

#include "train/training_session.h"

namespace ser::train {

// Connects, prepares this rank's session (as prepare_session), checks every rank started and
// runs the same options / model / manifests / resume point, broadcasts rank 0's parameters and
// buffers, and installs the gradient sync. A rank that fails to prepare throws its own error;
// the others throw ErrorCode::Input naming it.
std::unique_ptr<TrainingSession> prepare_distributed_session(const TrainOptions& options);

// Every floating-point buffer (BatchNorm running mean / var) replaced by its mean over the
// ranks; identical buffers stay bit-identical. A collective: every rank calls it at the same point.
void average_buffers(TrainingSession& s);

}  // namespace ser::train
