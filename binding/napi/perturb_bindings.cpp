#include "perturb_bindings.h"

#include <algorithm>
#include <cmath>

#include "audio/audio_file.h"
#include "error.h"
#include "errors.h"
#include "perturb/noise_clip.h"
#include "promise_worker.h"

namespace ser_napi {
namespace {

Napi::Float32Array to_js(Napi::Env env, const std::vector<float>& samples) {
  auto out = Napi::Float32Array::New(env, samples.size());
  std::copy(samples.begin(), samples.end(), out.Data());
  return out;
}

std::string text_arg(const Napi::CallbackInfo& info, size_t i, const char* usage) {
  if (!info[i].IsString()) throw make_error(info.Env(), "ERR_INPUT", usage);
  return info[i].As<Napi::String>().Utf8Value();
}

class PerturbWorker : public PromiseWorker {
 public:
  PerturbWorker(Napi::Env env, ser::perturb::Perturbation p, std::vector<float> samples, double rate, uint64_t seed,
                std::string key)
      : PromiseWorker(env),
        p_(std::move(p)),
        samples_(std::move(samples)),
        rate_(rate),
        seed_(seed),
        key_(std::move(key)) {}
  void Work() override {
    p_.check_files();
    samples_ = p_.apply(std::move(samples_), rate_, seed_, key_);
  }
  Napi::Value Result(Napi::Env env) override { return to_js(env, samples_); }

 private:
  ser::perturb::Perturbation p_;
  std::vector<float> samples_;
  double rate_;
  uint64_t seed_;
  std::string key_;
};

class ClipCheckWorker : public PromiseWorker {
 public:
  ClipCheckWorker(Napi::Env env, std::vector<std::string> paths) : PromiseWorker(env), paths_(std::move(paths)) {}
  void Work() override {
    for (const auto& p : paths_) problems_.push_back(ser::perturb::noise_clip_problem(p));
  }
  Napi::Value Result(Napi::Env env) override {
    auto out = Napi::Array::New(env, problems_.size());
    for (size_t i = 0; i < problems_.size(); ++i) out.Set(static_cast<uint32_t>(i), problems_[i]);
    return out;
  }

 private:
  std::vector<std::string> paths_, problems_;
};

class LoadMonoWorker : public PromiseWorker {
 public:
  LoadMonoWorker(Napi::Env env, std::string path, int rate) : PromiseWorker(env), path_(std::move(path)), rate_(rate) {}
  void Work() override { samples_ = ser::audio::load_mono(path_, rate_); }
  Napi::Value Result(Napi::Env env) override { return to_js(env, samples_); }

 private:
  std::string path_;
  int rate_;
  std::vector<float> samples_;
};

}  // namespace

std::optional<ser::perturb::Perturbation> to_perturbation(const Napi::Value& spec_json) {
  Napi::Env env = spec_json.Env();
  if (spec_json.IsUndefined()) return std::nullopt;
  if (!spec_json.IsString()) throw make_error(env, "ERR_INPUT", "perturb: the spec must be passed as JSON text");
  try {
    return ser::perturb::Perturbation::parse(spec_json.As<Napi::String>().Utf8Value());
  } catch (const ser::Error& e) {
    throw make_error(env, ser::error_code_name(e.code()), e.what());
  }
}

uint64_t to_seed(const Napi::Value& seed, const char* call) {
  if (seed.IsUndefined()) return 0;
  const double d = seed.IsNumber() ? seed.As<Napi::Number>().DoubleValue() : -1;
  if (!(std::isfinite(d) && d >= 0 && d <= 9007199254740991.0 && d == std::floor(d)))
    throw make_error(seed.Env(), "ERR_INPUT", std::string(call) + ": seed must be an integer in [0, 2^53 - 1]");
  return static_cast<uint64_t>(d);
}

Napi::Value Perturb(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw make_error(env, "ERR_INPUT",
                     "perturb(samples, sampleRate, specJson, seed, key): samples must be a Float32Array");
  if (!info[1].IsNumber()) throw make_error(env, "ERR_INPUT", "perturb: sampleRate must be a number");
  const std::string key = text_arg(info, 4, "perturb: key must be a string");
  auto p = to_perturbation(info[2]);
  if (!p) throw make_error(env, "ERR_INPUT", "perturb: a spec is required");
  auto arr = info[0].As<Napi::Float32Array>();
  std::vector<float> samples(arr.Data(), arr.Data() + arr.ElementLength());
  return queue<PerturbWorker>(env, std::move(*p), std::move(samples), info[1].As<Napi::Number>().DoubleValue(),
                              to_seed(info[3], "perturb"), key);
}

Napi::Value CheckPerturbSpec(const Napi::CallbackInfo& info) {
  if (!to_perturbation(info[0])) throw make_error(info.Env(), "ERR_INPUT", "perturb: a spec is required");
  return info.Env().Undefined();
}

Napi::Value NoiseClipProblems(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray()) throw make_error(env, "ERR_INPUT", "noiseClipProblems(paths): paths must be an array");
  auto items = info[0].As<Napi::Array>();
  std::vector<std::string> paths;
  for (uint32_t i = 0; i < items.Length(); ++i) {
    Napi::Value v = items.Get(i);
    if (!v.IsString()) throw make_error(env, "ERR_INPUT", "noiseClipProblems(paths): paths must be strings");
    paths.push_back(v.As<Napi::String>().Utf8Value());
  }
  return queue<ClipCheckWorker>(env, std::move(paths));
}

Napi::Value LoadMono(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string path = text_arg(info, 0, "loadMono(path, sampleRate): path must be a string");
  const double rate = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : 0;
  if (!(rate >= 1000 && rate <= 384000 && rate == std::floor(rate)))
    throw make_error(env, "ERR_INPUT", "loadMono(path, sampleRate): sampleRate must be an integer in [1000, 384000]");
  return queue<LoadMonoWorker>(env, path, static_cast<int>(rate));
}

void register_perturb_bindings(Napi::Env env, Napi::Object exports) {
  exports.Set("perturb", Napi::Function::New(env, Perturb, "perturb"));
  exports.Set("checkPerturbSpec", Napi::Function::New(env, CheckPerturbSpec, "checkPerturbSpec"));
  exports.Set("noiseClipProblems", Napi::Function::New(env, NoiseClipProblems, "noiseClipProblems"));
  exports.Set("loadMono", Napi::Function::New(env, LoadMono, "loadMono"));
}

}  // namespace ser_napi
