#include "train_job.h"

#include <atomic>
#include <memory>
#include <thread>

#include "error.h"
#include "errors.h"
#include "train/trainer.h"

namespace ser_napi {
namespace {

struct JobState {
  std::atomic<bool> abort{false};
  Napi::ThreadSafeFunction tsfn;
  Napi::Promise::Deferred deferred;
  explicit JobState(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
};

// What the training thread hands to the main thread: an event, or the final outcome.
struct Message {
  bool final = false;
  ser::train::TrainEvent event;
  ser::train::TrainResult result;
  std::string error_code, error_message;
};

double number(const Napi::Object& o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
}
std::string text(const Napi::Object& o, const char* key, const std::string& fallback = "") {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : fallback;
}
bool flag(const Napi::Object& o, const char* key, bool fallback) {
  Napi::Value v = o.Get(key);
  return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : fallback;
}

ser::train::TrainOptions to_train_options(const Napi::Object& o) {
  ser::train::TrainOptions t;
  t.architecture = text(o, "architecture");
  t.model_dir = text(o, "model");
  t.train_manifest = text(o, "train");
  t.dev_manifest = text(o, "dev");
  t.out_dir = text(o, "outDir");
  if (o.Get("labelRange").IsArray()) {
    auto r = o.Get("labelRange").As<Napi::Array>();
    t.label_range.min = r.Get(0u).As<Napi::Number>().DoubleValue();
    t.label_range.max = r.Get(1u).As<Napi::Number>().DoubleValue();
  }
  t.optimizer = text(o, "optimizer", t.optimizer);
  t.lr = number(o, "lr", t.lr);
  t.momentum = number(o, "momentum", t.momentum);
  t.weight_decay = number(o, "weightDecay", t.weight_decay);
  t.lr_schedule = text(o, "lrSchedule", t.lr_schedule);
  t.grad_clip = number(o, "gradClip", t.grad_clip);
  t.batch_size = static_cast<int>(number(o, "batchSize", t.batch_size));
  t.epochs = static_cast<int>(number(o, "epochs", t.epochs));
  t.max_batch_seconds = number(o, "maxBatchSeconds", t.max_batch_seconds);
  t.max_clip_seconds = number(o, "maxClipSeconds", t.max_clip_seconds);
  t.freeze_feature_encoder = flag(o, "freezeFeatureEncoder", t.freeze_feature_encoder);
  t.num_layers = static_cast<int>(number(o, "numLayers", t.num_layers));
  t.device = text(o, "device", t.device);
  t.bf16 = flag(o, "bf16", t.bf16);
  t.precision = text(o, "precision", t.precision);
  t.seed = static_cast<uint64_t>(number(o, "seed", 0));
  t.eval_every = static_cast<int>(number(o, "evalEvery", t.eval_every));
  t.resume = flag(o, "resume", t.resume);
  t.threads = static_cast<int>(number(o, "threads", t.threads));
  t.cache_mb = number(o, "cacheMb", t.cache_mb);
  t.dropout = number(o, "dropout", t.dropout);
  t.layerdrop = number(o, "layerdrop", t.layerdrop);
  t.mask_time_prob = number(o, "maskTimeProb", t.mask_time_prob);
  return t;
}

Napi::Object per_dimension(Napi::Env env, const std::vector<std::string>& dims, const std::vector<double>& values) {
  auto o = Napi::Object::New(env);
  for (size_t i = 0; i < dims.size() && i < values.size(); ++i) o.Set(dims[i], values[i]);
  return o;
}

Napi::Object event_to_js(Napi::Env env, const ser::train::TrainEvent& e) {
  auto o = Napi::Object::New(env);
  o.Set("type", e.type);
  o.Set("epoch", e.epoch);
  o.Set("step", static_cast<double>(e.step));
  if (e.type == "step") {
    o.Set("totalSteps", static_cast<double>(e.total_steps));
    o.Set("loss", e.loss);
    o.Set("lr", e.lr);
    o.Set("samplesPerSecond", e.samples_per_second);
    o.Set("audioSecondsPerSecond", e.audio_seconds_per_second);
    o.Set("paddingShare", e.padding_share);
  } else if (e.type == "epoch" || e.type == "eval") {
    o.Set("devCcc", per_dimension(env, e.dimensions, e.dev_ccc));
    o.Set("devCccMean", e.dev_ccc_mean);
    o.Set("best", e.best);
  } else if (e.type == "checkpoint") {
    o.Set("kind", e.kind);
    o.Set("path", e.path);
  } else if (e.type == "start") {
    o.Set("totalSteps", static_cast<double>(e.total_steps));
    o.Set("precision", e.precision);
    o.Set("precisionReason", e.precision_reason);
  } else if (e.type == "warning") {
    o.Set("message", e.message);
  }
  return o;
}

Napi::Object result_to_js(Napi::Env env, const ser::train::TrainResult& r) {
  auto o = Napi::Object::New(env);
  o.Set("bestDir", r.best_dir);
  o.Set("lastDir", r.last_dir);
  o.Set("bestDevCcc", per_dimension(env, r.dimensions, r.best_ccc));
  o.Set("bestDevCccMean", r.best_ccc.empty() ? Napi::Value(env.Null()) : Napi::Number::New(env, r.best_ccc_mean));
  o.Set("steps", static_cast<double>(r.steps));
  o.Set("epochs", r.epochs);
  o.Set("aborted", r.aborted);
  return o;
}

void deliver(Napi::Env env, Napi::Function on_event, Message* msg, std::shared_ptr<JobState> job) {
  std::unique_ptr<Message> owned(msg);
  if (env == nullptr) return;
  Napi::HandleScope scope(env);
  if (msg->final) {
    if (msg->error_code.empty()) job->deferred.Resolve(result_to_js(env, msg->result));
    else job->deferred.Reject(make_error(env, msg->error_code, msg->error_message).Value());
    return;
  }
  try {
    on_event.Call({event_to_js(env, msg->event)});
  } catch (const Napi::Error& e) {
    // A throwing listener must not kill training or the process; it is reported once per event.
    fprintf(stderr, "ser-torch: onEvent threw: %s\n", e.Message().c_str());
  }
}

}  // namespace

Napi::Value StartTraining(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject() || !info[1].IsFunction()) throw make_error(env, "ERR_INPUT", "train(options, onEvent)");
  auto options = to_train_options(info[0].As<Napi::Object>());
  auto job = std::make_shared<JobState>(env);
  job->tsfn = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "ser-torch-train", 0, 1);

  std::thread([job, options] {
    auto send = [&](Message* m) {
      job->tsfn.BlockingCall(m, [job](Napi::Env env, Napi::Function fn, Message* msg) { deliver(env, fn, msg, job); });
    };
    auto* final = new Message();
    final->final = true;
    try {
      final->result = ser::train::run_training(
          options, [&](const ser::train::TrainEvent& e) { send(new Message{false, e, {}, "", ""}); }, job->abort);
    } catch (const ser::Error& e) {
      final->error_code = ser::error_code_name(e.code());
      final->error_message = e.what();
    } catch (const std::exception& e) {
      final->error_code = "ERR_LIBTORCH";
      final->error_message = e.what();
    }
    send(final);
    job->tsfn.Release();
  }).detach();

  auto handle = Napi::Object::New(env);
  handle.Set("promise", job->deferred.Promise());
  handle.Set("abort", Napi::Function::New(env, [job](const Napi::CallbackInfo& cb) {
    job->abort = true;
    return cb.Env().Undefined();
  }));
  return handle;
}

}  // namespace ser_napi
