// An AsyncWorker that settles a Promise: Work() runs on the libuv pool and may throw; a
// ser::Error keeps its code, anything else becomes ERR_LIBTORCH. Nothing escapes to crash Node.
#pragma once
#include <string>

#include <napi.h>

namespace ser_napi {

class PromiseWorker : public Napi::AsyncWorker {
 public:
  explicit PromiseWorker(Napi::Env env);
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  virtual void Work() = 0;                            // worker thread
  virtual Napi::Value Result(Napi::Env env) = 0;      // main thread, after Work succeeded

 private:
  void Execute() final;
  void OnOK() final;
  void OnError(const Napi::Error& error) final;
  Napi::Promise::Deferred deferred_;
  std::string code_ = "ERR_LIBTORCH";
};

}  // namespace ser_napi
