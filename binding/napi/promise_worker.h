// An AsyncWorker that settles a Promise: Work() runs on the libuv pool and may throw; a
// ser::Error keeps its code, anything else becomes ERR_LIBTORCH. Nothing escapes to crash Node.
#pragma once
#include <string>
#include <utility>

#include <napi.h>

namespace ser_napi {

class PromiseWorker : public Napi::AsyncWorker {
 public:
  explicit PromiseWorker(Napi::Env env);
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  virtual void Work() = 0;                        // worker thread
  virtual Napi::Value Result(Napi::Env env) = 0;  // main thread, after Work succeeded

 private:
  void Execute() final;
  void OnOK() final;
  void OnError(const Napi::Error& error) final;
  Napi::Promise::Deferred deferred_;
  std::string code_ = "ERR_LIBTORCH";
};

// Creates a W(env, args...), queues it, and returns its Promise.
template <typename W, typename... Args>
Napi::Value queue(Napi::Env env, Args&&... args) {
  auto* worker = new W(env, std::forward<Args>(args)...);
  auto promise = worker->promise();
  worker->Queue();
  return promise;
}

}  // namespace ser_napi
