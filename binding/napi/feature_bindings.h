// Features without a model: CNN14's log-Mel front end. Runs off the event loop.
#pragma once
#include <napi.h>

namespace ser_napi {

// (inputs, settingsJson) -> Promise<{ frames, nMels, data: Float32Array }[]>
Napi::Value LogMel(const Napi::CallbackInfo& info);

}  // namespace ser_napi
