#include "train_job.h"

#include <atomic>
#include <limits>
#include <memory>

#include "error.h"
#include "errors.h"
#include "label_range.h"
#include "option_reader.h"
#include "runtime/threads.h"
#include "train/trainer.h"
#include "training_threads.h"

namespace ser_napi {
namespace {

struct JobState {
  std::shared_ptr<std::atomic<bool>> abort = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<std::atomic<bool>> silenced = std::make_shared<std::atomic<bool>>(false);  // the environment left
  Napi::ThreadSafeFunction tsfn;
  Napi::Promise::Deferred deferred;
  uint64_t thread_id = 0;
  explicit JobState(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
};

// What the training thread hands to the main thread: an event, or the final outcome.
struct Message {
  bool final = false;
  ser::train::TrainEvent event;
  ser::train::TrainResult result;
  std::string error_code, error_message;
};

constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1: larger seeds lose bits in JS

// lib/train.ts resolves `distributed: 'env'` (torchrun's variables) into this object.
ser::distributed::DistributedOptions to_distributed_options(const Napi::Value& value) {
  OptionReader r(value, "train: distributed");
  ser::distributed::DistributedOptions d;
  d.enabled = true;
  for (const char* key : {"rank", "worldSize", "masterAddr", "masterPort"})
    if (!r.has(key)) r.fail(key, "is required");
  d.world_size = static_cast<int>(r.integer("worldSize", 0, 1, 1 << 20));
  d.rank = static_cast<int>(r.integer("rank", -1, 0, d.world_size - 1));
  d.local_world_size = static_cast<int>(r.integer("localWorldSize", 1, 1, d.world_size));
  d.local_rank = static_cast<int>(r.integer("localRank", d.rank % d.local_world_size, 0, d.world_size - 1));
  d.master_addr = r.text("masterAddr", "");
  if (d.master_addr.empty()) r.fail("masterAddr", "must be a host name or address");
  d.master_port = static_cast<int>(r.integer("masterPort", 0, 1, 65535));
  d.timeout_seconds = r.number("timeoutSeconds", d.timeout_seconds, 1, 86400 * 7);
  d.agent_store = r.flag("agentStore", false);
  d.restart_count = static_cast<int>(r.integer("restartCount", 0, 0, 1 << 20));
  return d;
}

ser::train::TrainOptions to_train_options(const Napi::Value& value) {
  OptionReader r(value, "train");
  ser::train::TrainOptions t;
  t.architecture = r.text("architecture", "");
  t.model_dir = r.text("model", "");
  t.train_manifest = r.text("train", "");
  t.dev_manifest = r.text("dev", "");
  t.out_dir = r.text("outDir", "");
  if (r.has("labelRange")) {
    auto range = to_label_range(r.raw("labelRange"));
    if (!range) r.fail("labelRange", "must be [min, max] with finite min < max");
    t.label_range = *range;
  }
  const double inf = std::numeric_limits<double>::infinity();
  t.confine_audio_paths = r.flag("confineAudioPaths", t.confine_audio_paths);
  t.optimizer = r.text("optimizer", t.optimizer);
  t.lr = r.number("lr", t.lr, 0, inf);
  t.momentum = r.number("momentum", t.momentum, 0, 1);
  t.weight_decay = r.number("weightDecay", t.weight_decay, 0, inf);
  t.lr_schedule = r.text("lrSchedule", t.lr_schedule);
  t.grad_clip = r.number("gradClip", t.grad_clip, 0, inf);
  t.batch_size = static_cast<int>(r.integer("batchSize", t.batch_size, 2, 65536));
  t.epochs = static_cast<int>(r.integer("epochs", t.epochs, 1, 1000000));
  t.max_batch_seconds = r.number("maxBatchSeconds", t.max_batch_seconds, 0, inf);
  t.max_clip_seconds = r.number("maxClipSeconds", t.max_clip_seconds, 0, inf);
  t.freeze_feature_encoder = r.flag("freezeFeatureEncoder", t.freeze_feature_encoder);
  t.num_layers = static_cast<int>(r.integer("numLayers", t.num_layers, 0, 100000));
  t.device = r.text("device", t.device);
  t.bf16 = r.flag("bf16", t.bf16);
  t.precision = r.text("precision", t.precision);
  t.seed = static_cast<uint64_t>(r.integer("seed", 0, 0, static_cast<int64_t>(kMaxSafeInteger)));
  t.eval_every = static_cast<int>(r.integer("evalEvery", t.eval_every, 0, 1 << 30));
  t.resume = r.flag("resume", t.resume);
  t.threads = static_cast<int>(r.integer("threads", t.threads, 0, ser::runtime::kMaxThreads));
  t.cache_mb = r.number("cacheMb", t.cache_mb, 0, 1 << 24);
  // -1 (or left out) keeps config.json's value.
  auto regularisation = [&](const char* key, double fallback) {
    const double v = r.number(key, fallback, -1, 1);
    if (v < 0 && v != -1) r.fail(key, "must be in [0, 1] (or -1 to keep config.json's value)");
    return v;
  };
  t.dropout = regularisation("dropout", t.dropout);
  t.layerdrop = regularisation("layerdrop", t.layerdrop);
  t.mask_time_prob = regularisation("maskTimeProb", t.mask_time_prob);
  if (r.has("distributed")) t.distributed = to_distributed_options(r.raw("distributed"));
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
    if (e.communication_seconds >= 0) {  // data-parallel runs
      o.Set("communicationSeconds", e.communication_seconds);
      o.Set("allreduceBytes", e.allreduce_bytes);
    }
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
    finish_training_thread(job->thread_id);
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
  if (!info[1].IsFunction()) throw make_error(env, "ERR_INPUT", "train(options, onEvent): onEvent must be a function");
  auto options = to_train_options(info[0]);  // every option checked before anything starts
  auto job = std::make_shared<JobState>(env);
  job->tsfn = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "ser-torch-train", 0, 1);

  job->thread_id = start_training_thread(env, job->abort, job->silenced, [job, options] {
    // The queue is unbounded: a call never blocks. Once the process exits nothing is sent.
    auto on_main_thread = [job](Napi::Env env, Napi::Function fn, Message* msg) { deliver(env, fn, msg, job); };
    auto send = [&](Message* m) {
      if (job->silenced->load() || training_threads_exiting()) {
        delete m;
        return;
      }
      if (job->tsfn.BlockingCall(m, on_main_thread) != napi_ok) delete m;  // the environment is closing
    };
    auto on_event = [&](const ser::train::TrainEvent& e) { send(new Message{false, e, {}, "", ""}); };
    auto* final = new Message();
    final->final = true;
    try {
      final->result = ser::train::run_training(options, on_event, *job->abort);
    } catch (const ser::Error& e) {
      final->error_code = ser::error_code_name(e.code());
      final->error_message = e.what();
    } catch (const std::exception& e) {
      final->error_code = "ERR_LIBTORCH";
      final->error_message = e.what();
    } catch (...) {
      final->error_code = "ERR_LIBTORCH";
      final->error_message = "training failed with an unknown native exception";
    }
    send(final);
    if (!job->silenced->load() && !training_threads_exiting()) job->tsfn.Release();
  });

  auto handle = Napi::Object::New(env);
  handle.Set("promise", job->deferred.Promise());
  auto abort = [job](const Napi::CallbackInfo& cb) {
    job->abort->store(true);
    return cb.Env().Undefined();
  };
  handle.Set("abort", Napi::Function::New(env, abort));
  return handle;
}

}  // namespace ser_napi
