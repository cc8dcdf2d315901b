#include "model_handle.h"

#include "compute_thread.h"
#include "convert.h"
#include "errors.h"
#include "perturb_bindings.h"
#include "promise_worker.h"
#include "run_worker.h"

namespace ser_napi {
namespace {

class LoadWorker : public PromiseWorker {
 public:
  LoadWorker(Napi::Env env, std::string dir, ser::ModelOptions options, std::optional<BatchingOptions> batching)
      : PromiseWorker(env), dir_(std::move(dir)), options_(std::move(options)), batching_(batching) {}
  void Work() override { model_ = ser::SerModel::load(dir_, options_); }
  Napi::Value Result(Napi::Env env) override { return ModelHandle::Wrap(env, model_, batching_); }

 private:
  std::string dir_;
  ser::ModelOptions options_;
  std::optional<BatchingOptions> batching_;
  std::shared_ptr<ser::SerModel> model_;
};

class SaveWorker : public PromiseWorker {
 public:
  SaveWorker(Napi::Env env, std::shared_ptr<ser::SerModel> model, std::string dir)
      : PromiseWorker(env), model_(std::move(model)), dir_(std::move(dir)) {}
  void Work() override {
    auto model = std::move(model_);  // released here, never on the JS thread
    model->save(dir_);
  }
  Napi::Value Result(Napi::Env env) override { return env.Undefined(); }

 private:
  std::shared_ptr<ser::SerModel> model_;
  std::string dir_;
};

// The class's constructor, per environment: a process-wide static would hold the first
// environment's function and break the addon in a worker thread (or after that worker exits).
struct AddonInstance {
  Napi::FunctionReference model_handle;
};

Napi::FunctionReference& constructor(Napi::Env env) { return env.GetInstanceData<AddonInstance>()->model_handle; }

}  // namespace

Napi::Function ModelHandle::Define(Napi::Env env) {
  Napi::Function fn =
      DefineClass(env, "ModelHandle",
                  {InstanceMethod("describe", &ModelHandle::Describe), InstanceMethod("run", &ModelHandle::Run),
                   InstanceMethod("save", &ModelHandle::Save), InstanceMethod("dispose", &ModelHandle::Dispose),
                   InstanceMethod("batchingStats", &ModelHandle::BatchingStats)});
  auto* instance = new AddonInstance();
  instance->model_handle = Napi::Persistent(fn);
  env.SetInstanceData(instance);  // deleted with the environment
  return fn;
}

Napi::Object ModelHandle::Wrap(Napi::Env env, std::shared_ptr<ser::SerModel> model,
                               std::optional<BatchingOptions> batching) {
  Napi::Object obj = constructor(env).New({});
  ModelHandle* self = Unwrap(obj);
  self->lane_ = std::make_shared<ComputeLane>();
  if (batching)
    self->batcher_ = std::make_shared<ModelBatcher>(self->lane_, *batching, model->description().sampling_rate);
  self->model_ = std::move(model);
  return obj;
}

ModelHandle::ModelHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelHandle>(info) {}

std::shared_ptr<ser::SerModel> ModelHandle::shared_model(const Napi::Value& value) {
  Napi::Env env = value.Env();
  if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(constructor(env).Value()))
    throw make_error(env, "ERR_INPUT", "expected a loaded model's handle");
  return Unwrap(value.As<Napi::Object>())->model(env);
}

std::shared_ptr<ser::SerModel> ModelHandle::model(Napi::Env env) const {
  if (!model_) throw make_error(env, "ERR_DISPOSED", "the model has been disposed");
  return model_;
}

Napi::Value ModelHandle::Describe(const Napi::CallbackInfo& info) {
  Napi::Object d = from_description(info.Env(), model(info.Env())->description());
  if (batcher_) d.Set("batching", batching_to_js(info.Env(), batcher_->options()));
  return d;
}

Napi::Value ModelHandle::Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto m = model(env);
  auto inputs = to_audio_inputs(info[0]);
  const std::string kind = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  ser::OutputKind k;
  if (kind == "predict") k = ser::OutputKind::Predictions;
  else if (kind == "embed") k = ser::OutputKind::Embeddings;
  else if (kind == "hidden") k = ser::OutputKind::HiddenStates;
  else throw make_error(env, "ERR_INPUT", "unknown output kind \"" + kind + "\"");
  const int batch = info[2].IsNumber() ? info[2].As<Napi::Number>().Int32Value() : 1;
  // (inputs, kind, batch, perturbJson?, seed?, perturbKeys?): the spec is checked here, before any work is queued.
  auto perturbation = to_perturbation(info[3]);
  const uint64_t seed = to_seed(info[4], kind.c_str());
  // perturbKeys?: one key per input (lib/model.ts checks the count and types; checked again here).
  if (!info[5].IsUndefined()) {
    if (!info[5].IsArray() || info[5].As<Napi::Array>().Length() != inputs.size())
      throw make_error(env, "ERR_INPUT", kind + ": perturbKeys must be an array of strings, one per input");
    auto keys = info[5].As<Napi::Array>();
    for (uint32_t i = 0; i < keys.Length(); ++i) {
      if (!keys.Get(i).IsString()) throw make_error(env, "ERR_INPUT", kind + ": perturbKeys must be strings");
      inputs[i].key = keys.Get(i).As<Napi::String>().Utf8Value();
    }
  }
  auto* worker = new RunWorker(env, std::move(m), std::move(inputs), k, batch, std::move(perturbation), seed);
  auto promise = worker->promise();
  if (batcher_ && !worker->perturbed()) {
    worker->Open();
    batcher_->submit(worker);
  } else {
    worker->Queue(*lane_);
  }
  return promise;
}

Napi::Value ModelHandle::Save(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto m = model(env);
  if (!info[0].IsString()) throw make_error(env, "ERR_INPUT", "save(dir): dir must be a string");
  auto* worker = new SaveWorker(env, std::move(m), info[0].As<Napi::String>().Utf8Value());
  auto promise = worker->promise();
  worker->Queue(*lane_);
  return promise;
}

// The model's last reference goes on its lane, after the calls already queued there; then the
// lane's thread ends.
void ModelHandle::Release() {
  batcher_.reset();
  if (lane_) {
    if (model_) lane_->post([m = std::move(model_)]() mutable { m.reset(); });
    lane_->close();
    lane_.reset();
  }
  model_.reset();
}

ModelHandle::~ModelHandle() { Release(); }

Napi::Value ModelHandle::BatchingStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!batcher_) return env.Undefined();
  const auto s = batcher_->stats();
  auto o = Napi::Object::New(env);
  o.Set("calls", s.calls);
  o.Set("groups", s.groups);
  o.Set("largestGroup", s.largest_group);
  return o;
}

Napi::Value ModelHandle::Dispose(const Napi::CallbackInfo& info) {
  Release();
  return info.Env().Undefined();
}

Napi::Value LoadModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw make_error(env, "ERR_INPUT", "loadModel(dir): dir must be a string");
  return queue<LoadWorker>(env, info[0].As<Napi::String>().Utf8Value(), to_model_options(info[1]),
                           read_batching(info[1]));
}

}  // namespace ser_napi
