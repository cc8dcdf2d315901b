#include "corpus_bindings.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "corpus/load_files.h"
#include "corpus/loader_pool.h"
#include "errors.h"
#include "promise_worker.h"

namespace ser_napi {
namespace {

ser::corpus::LoaderPool& loader_pool() {
  // Intentionally leaked, like the compute thread: its idle threads end with the process.
  static auto* pool = new ser::corpus::LoaderPool(ser::corpus::default_loader_threads());
  return *pool;
}

Napi::Object problem_to_js(Napi::Env env, const ser::corpus::FileProblem& p) {
  auto o = Napi::Object::New(env);
  o.Set("code", p.code);
  o.Set("message", p.message);
  return o;
}

// One call over a list of files: Load(i) for each on the loader threads, then the Promise
// settles on the JS thread with Result(). The CallLink (promise_worker.h) keeps a torn-down
// environment's function from being touched.
class LoaderCall {
 public:
  LoaderCall(Napi::Env env, std::vector<std::string> paths)
      : paths_(std::move(paths)), deferred_(Napi::Promise::Deferred::New(env)) {}
  virtual ~LoaderCall() = default;

  Napi::Promise Start(Napi::Env env) {
    Napi::Promise promise = deferred_.Promise();
    link_ = std::make_shared<CallLink>();
    auto* finalizer_link = new std::shared_ptr<CallLink>(link_);
    done_ = Done::New(
        env, "ser-torch-loader", 0, 1, link_.get(),
        [](Napi::Env, std::shared_ptr<CallLink>* link, CallLink*) {
          {
            std::lock_guard<std::mutex> lock((*link)->mutex);
            (*link)->closed = true;
          }
          delete link;
        },
        finalizer_link);
    loader_pool().for_each(
        paths_.size(), [this](size_t i) { Load(i); }, [this] { Finish(); });
    return promise;
  }

 protected:
  virtual void Load(size_t i) = 0;                // a loader thread; must not throw
  virtual Napi::Value Result(Napi::Env env) = 0;  // the JS thread
  std::vector<std::string> paths_;

 private:
  static void Deliver(Napi::Env env, Napi::Function, CallLink*, LoaderCall* call) {
    std::unique_ptr<LoaderCall> self(call);
    if (env == nullptr) return;  // the environment is torn down with the call still queued
    Napi::HandleScope scope(env);
    try {
      self->deferred_.Resolve(self->Result(env));
    } catch (const Napi::Error& e) {
      self->deferred_.Reject(e.Value());
    }
  }
  using Done = Napi::TypedThreadSafeFunction<CallLink, LoaderCall, &LoaderCall::Deliver>;

  // The last loader thread: hands the call to the JS thread (as PromiseWorker::Run does).
  void Finish() {
    std::shared_ptr<CallLink> link = link_;
    Done done = done_;
    std::lock_guard<std::mutex> lock(link->mutex);
    if (link->closed || done.BlockingCall(this) != napi_ok) {
      delete this;  // nobody waits for the Promise; the function must not be touched again
      return;
    }
    done.Release();
  }

  Napi::Promise::Deferred deferred_;
  std::shared_ptr<CallLink> link_;
  Done done_;
};

class DecodeCall : public LoaderCall {
 public:
  DecodeCall(Napi::Env env, std::vector<std::string> paths, int rate)
      : LoaderCall(env, std::move(paths)), rate_(rate), files_(paths_.size()) {}

 protected:
  void Load(size_t i) override { files_[i] = ser::corpus::decode_file(paths_[i], rate_); }
  Napi::Value Result(Napi::Env env) override {
    auto out = Napi::Array::New(env, files_.size());
    for (size_t i = 0; i < files_.size(); ++i) {
      auto& f = files_[i];
      if (!f.problem.code.empty()) {
        out.Set(static_cast<uint32_t>(i), problem_to_js(env, f.problem));
        continue;
      }
      auto samples = Napi::Float32Array::New(env, f.samples.size());
      std::copy(f.samples.begin(), f.samples.end(), samples.Data());
      std::vector<float>().swap(f.samples);  // the copy is JS's now
      out.Set(static_cast<uint32_t>(i), samples);
    }
    return out;
  }

 private:
  int rate_;
  std::vector<ser::corpus::DecodedFile> files_;
};

class ProbeCall : public LoaderCall {
 public:
  ProbeCall(Napi::Env env, std::vector<std::string> paths) : LoaderCall(env, std::move(paths)), files_(paths_.size()) {}

 protected:
  void Load(size_t i) override { files_[i] = ser::corpus::probe_file(paths_[i]); }
  Napi::Value Result(Napi::Env env) override {
    auto out = Napi::Array::New(env, files_.size());
    for (size_t i = 0; i < files_.size(); ++i) {
      const auto& f = files_[i];
      if (f.problem.code.empty()) out.Set(static_cast<uint32_t>(i), Napi::Number::New(env, f.seconds));
      else out.Set(static_cast<uint32_t>(i), problem_to_js(env, f.problem));
    }
    return out;
  }

 private:
  std::vector<ser::corpus::ProbedFile> files_;
};

std::vector<std::string> path_list(const Napi::Value& v, const char* usage) {
  if (!v.IsArray()) throw make_error(v.Env(), "ERR_INPUT", usage);
  auto a = v.As<Napi::Array>();
  std::vector<std::string> out;
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value p = a.Get(i);
    if (!p.IsString()) throw make_error(v.Env(), "ERR_INPUT", usage);
    out.push_back(p.As<Napi::String>().Utf8Value());
  }
  return out;
}

template <typename Call, typename... Args>
Napi::Value start(Napi::Env env, Args&&... args) {
  auto* call = new Call(env, std::forward<Args>(args)...);
  return call->Start(env);  // the call deletes itself once settled
}

Napi::Value DecodeFiles(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* usage = "decodeFiles(paths, sampleRate): paths must be an array of strings";
  auto paths = path_list(info[0], usage);
  const double rate = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : 0;
  if (!(rate >= 1000 && rate <= 384000 && rate == std::floor(rate)))
    throw make_error(env, "ERR_INPUT",
                     "decodeFiles(paths, sampleRate): sampleRate must be an integer in [1000, 384000]");
  return start<DecodeCall>(env, std::move(paths), static_cast<int>(rate));
}

Napi::Value ProbeFiles(const Napi::CallbackInfo& info) {
  auto paths = path_list(info[0], "probeFiles(paths): paths must be an array of strings");
  return start<ProbeCall>(info.Env(), std::move(paths));
}

Napi::Value LoaderThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), loader_pool().size());
}

}  // namespace

void register_corpus_bindings(Napi::Env env, Napi::Object exports) {
  exports.Set("decodeFiles", Napi::Function::New(env, DecodeFiles, "decodeFiles"));
  exports.Set("probeFiles", Napi::Function::New(env, ProbeFiles, "probeFiles"));
  exports.Set("loaderThreads", Napi::Function::New(env, LoaderThreads, "loaderThreads"));
}

}  // namespace ser_napi
