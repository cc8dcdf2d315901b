// train(options, onEvent) -> { promise, abort }: the training loop on its own native thread (not
// the libuv pool, which it would hog for hours); events and the result come back to the main
// thread through a thread-safe function.
#pragma once
#include <napi.h>

namespace ser_napi {

Napi::Value StartTraining(const Napi::CallbackInfo& info);

}  // namespace ser_napi
