// The robustness perturbations for JS: perturb() on samples, the spec check model calls use, and
// the audio helpers lib/perturb.ts needs (noise folder checks, decoding for the CLI). Everything
// that reads files or touches samples runs on the compute thread.
#pragma once
#include <cstdint>
#include <optional>

#include <napi.h>

#include "perturb/perturbation.h"

namespace ser_napi {

// A spec as JSON text (undefined: none), parsed and checked on the calling thread: ERR_INPUT
// naming the field. No file is opened.
std::optional<ser::perturb::Perturbation> to_perturbation(const Napi::Value& spec_json);

// A seed: undefined -> 0, else an integer in [0, 2^53 - 1] (ERR_INPUT naming `call`).
uint64_t to_seed(const Napi::Value& seed, const char* call);

// Adds perturb, checkPerturbSpec, noiseClipProblems and loadMono to the addon's exports.
void register_perturb_bindings(Napi::Env env, Napi::Object exports);

// (samples: Float32Array, sampleRate, specJson, seed, key) -> Promise<Float32Array>
Napi::Value Perturb(const Napi::CallbackInfo& info);
// (specJson) -> undefined; throws ERR_INPUT
Napi::Value CheckPerturbSpec(const Napi::CallbackInfo& info);
// (paths: string[]) -> Promise<string[]>: per file '' when it can serve as a noise clip, else why not
Napi::Value NoiseClipProblems(const Napi::CallbackInfo& info);
// (path, sampleRate) -> Promise<Float32Array>: decoded, mono, at sampleRate
Napi::Value LoadMono(const Napi::CallbackInfo& info);

}  // namespace ser_napi
