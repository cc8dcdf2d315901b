// JS values <-> core structs. Float32Array data is copied: the JS buffer may move or be freed
// while a worker runs.
#pragma once
#include <vector>

#include <napi.h>

#include "api/ser_model.h"

namespace ser_napi {

// items: Array of string (path) | { samples: Float32Array, sampleRate: number }.
std::vector<ser::AudioInput> to_audio_inputs(const Napi::Value& items);
ser::ModelOptions to_model_options(const Napi::Value& options);
Napi::Object from_description(Napi::Env env, const ser::ModelDescription& d);
Napi::Object from_runtime_info(Napi::Env env, const ser::runtime::RuntimeInfo& info);
// { values: Float32Array[], frames: number[] }
Napi::Object from_results(Napi::Env env, const std::vector<ser::ItemResult>& results);

}  // namespace ser_napi
