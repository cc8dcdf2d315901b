// Module entry: loadModel, runtimeInfo, setThreads, and the ModelHandle class.
#include <cmath>

#include <napi.h>

#include "api/ser_model.h"
#include "compute_thread.h"
#include "convert.h"
#include "corpus_bindings.h"
#include "dataset_bindings.h"
#include "errors.h"
#include "feature_bindings.h"
#include "model_handle.h"
#include "perturb_bindings.h"
#include "runtime/fork_gate.h"
#include "runtime/threads.h"
#include "stream_bindings.h"
#include "train_job.h"
#include "training_threads.h"

namespace ser_napi {
namespace {

Napi::Value RuntimeInfo(const Napi::CallbackInfo& info) {
  return from_runtime_info(info.Env(), ser::runtime::runtime_info());
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Napi::Value n = info[0];
  if (!n.IsUndefined()) {
    const double d = n.IsNumber() ? n.As<Napi::Number>().DoubleValue() : -1;  // a non-number is refused as -1
    if (!std::isfinite(d) || d != std::floor(d) || d < 0 || d > ser::runtime::kMaxThreads)
      throw make_error(info.Env(), "ERR_INPUT",
                       "setThreads(n): n must be an integer in [0, " + std::to_string(ser::runtime::kMaxThreads) +
                           "] (0: all cores)");
  }
  ser::runtime::set_thread_count(n.IsUndefined() ? 0 : n.As<Napi::Number>().Int32Value());
  return Napi::Number::New(info.Env(), ser::runtime::thread_count());
}

Napi::Value StopTraining(const Napi::CallbackInfo& info) {
  stop_training_threads(info.Env());
  return info.Env().Undefined();
}

// The main thread's exit only: the compute thread serves every environment of the process.
Napi::Value StopCompute(const Napi::CallbackInfo& info) {
  stop_compute_thread();
  return info.Env().Undefined();
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  ser::runtime::tune_process();
  ser::runtime::install_fork_gate();
  exports.Set("ModelHandle", ModelHandle::Define(env));
  exports.Set("loadModel", Napi::Function::New(env, LoadModel, "loadModel"));
  exports.Set("runtimeInfo", Napi::Function::New(env, RuntimeInfo, "runtimeInfo"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("train", Napi::Function::New(env, StartTraining, "train"));
  exports.Set("stopTraining", Napi::Function::New(env, StopTraining, "stopTraining"));
  exports.Set("stopCompute", Napi::Function::New(env, StopCompute, "stopCompute"));
  exports.Set("readManifest", Napi::Function::New(env, ReadManifest, "readManifest"));
  exports.Set("synthesizeCorpus", Napi::Function::New(env, SynthesizeCorpus, "synthesizeCorpus"));
  exports.Set("createModel", Napi::Function::New(env, CreateModel, "createModel"));
  exports.Set("logMel", Napi::Function::New(env, LogMel, "logMel"));
  register_perturb_bindings(env, exports);
  register_corpus_bindings(env, exports);
  register_stream_bindings(env, exports);
  return exports;
}

}  // namespace ser_napi

// The macro pastes its argument into a name: it needs an unqualified function.
static Napi::Object InitSerTorch(Napi::Env env, Napi::Object exports) { return ser_napi::Init(env, exports); }
NODE_API_MODULE(ser_torch, InitSerTorch)
