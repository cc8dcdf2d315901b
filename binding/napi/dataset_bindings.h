// Data helpers for the TS layer: manifest reading (for evaluate), the demo's synthetic corpus,
// and creating a freshly initialised model folder. All run off the event loop.
#pragma once
#include <napi.h>

namespace ser_napi {

// (path, [min, max]) -> Promise
Napi::Value ReadManifest(const Napi::CallbackInfo& info);
// ({ dir, train, dev, test, seed }) -> Promise
Napi::Value SynthesizeCorpus(const Napi::CallbackInfo& info);
// (dir, configJson, preprocessorJson, withHead, seed) -> Promise
Napi::Value CreateModel(const Napi::CallbackInfo& info);

}  // namespace ser_napi
