// The run's outputs between steps: dev evaluation (CCC per dimension, best-so-far tracking) and
// the best / last checkpoints, each reported as an event.
#pragma once
#include <functional>
#include <string>

#include "train/training_session.h"

namespace ser::train {

using EmitEvent = std::function<void(const TrainEvent&)>;

// Writes outDir/<name> (atomically) for the loop position `at`; "last" carries the optimiser and
// RNG state for resume. Refuses (ErrorCode::Diverged) weights that are not finite, so a diverged
// run never replaces a good checkpoint.
void save_checkpoint(TrainingSession& s, const std::string& name, bool with_optimizer, const LoopState& at,
                     const EmitEvent& emit);

// Evaluates on dev and emits "eval" (every evalEvery steps) or "epoch"; a new best mean CCC
// saves outDir/best. A step already evaluated is not evaluated again (an epoch that ends on an
// evalEvery step reuses that evaluation). Non-finite dev predictions throw ErrorCode::Diverged.
void evaluate_dev(TrainingSession& s, bool end_of_epoch, const EmitEvent& emit);

}  // namespace ser::train
