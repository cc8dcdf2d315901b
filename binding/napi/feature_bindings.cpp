#include "feature_bindings.h"

#include <algorithm>

#include "api/log_mel_features.h"
#include "convert.h"
#include "errors.h"
#include "promise_worker.h"

namespace ser_napi {
namespace {

class LogMelWorker : public PromiseWorker {
 public:
  LogMelWorker(Napi::Env env, std::vector<ser::AudioInput> inputs, std::string settings)
      : PromiseWorker(env), inputs_(std::move(inputs)), settings_(std::move(settings)) {}
  void Work() override { features_ = ser::compute_log_mel(inputs_, settings_); }
  Napi::Value Result(Napi::Env env) override {
    auto out = Napi::Array::New(env, features_.size());
    for (size_t i = 0; i < features_.size(); ++i) {
      const auto& f = features_[i];
      auto data = Napi::Float32Array::New(env, f.values.size());
      std::copy(f.values.begin(), f.values.end(), data.Data());
      auto o = Napi::Object::New(env);
      o.Set("frames", static_cast<double>(f.frames));
      o.Set("nMels", static_cast<double>(f.n_mels));
      o.Set("data", data);
      out.Set(static_cast<uint32_t>(i), o);
    }
    return out;
  }

 private:
  std::vector<ser::AudioInput> inputs_;
  std::string settings_;
  std::vector<ser::LogMelFeatures> features_;
};

}  // namespace

Napi::Value LogMel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[1].IsString()) throw make_error(env, "ERR_INPUT", "logMel(inputs, settingsJson)");
  return queue<LogMelWorker>(env, to_audio_inputs(info[0]), info[1].As<Napi::String>().Utf8Value());
}

}  // namespace ser_napi
