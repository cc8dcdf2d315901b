// One optimiser step on one batch, the paper's core: CCC loss over the whole batch (not a mean
// of per-example losses), computed exactly even when the batch is split into micro-batches to
// stay under maxBatchSeconds.
#pragma once
#include "train/batch_loader.h"
#include "train/training_session.h"

namespace ser::train {

struct StepOutcome {
  double loss = 0;
  double lr = 0;
  double audio_seconds = 0;           // audio in the batch (after cropping)
  double communication_seconds = -1;  // data-parallel: waited for the gradient sum after backward
};

// Forward, loss, backward, clip, optimiser step; advances s.state.step. A batch needs at least
// 2 examples (CCC over one example is undefined): the batch plan guarantees it.
// A non-finite loss or gradient throws ErrorCode::Diverged before the weights are touched.
StepOutcome train_step(TrainingSession& s, const PreparedBatch& batch);

}  // namespace ser::train
