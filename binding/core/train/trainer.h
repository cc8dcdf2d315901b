// The fine-tuning loop: CCC loss over the batch, Adam or SGD (Nesterov), frozen CNN, gradient
// accumulation under a memory cap, dev CCC after each epoch (and every N steps), best and last
// checkpoints, resume, abort at step boundaries. Runs on the calling thread (the N-API layer
// gives it its own); events go to `on_event` on that thread.
#pragma once
#include <atomic>
#include <functional>

#include "train/train_options.h"

namespace ser::train {

TrainResult run_training(const TrainOptions& options, const std::function<void(const TrainEvent&)>& on_event,
                         const std::atomic<bool>& abort);

}  // namespace ser::train
