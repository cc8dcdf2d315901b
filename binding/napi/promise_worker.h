// A job for the compute thread that settles a Promise: Work() runs on ser-torch's compute thread
// (compute_thread.h) and may throw; a ser::Error keeps its code, anything else becomes
// ERR_LIBTORCH; nothing escapes to crash Node. The outcome comes back to the JS thread through a
// thread-safe function, so no libuv pool thread waits on the work: four pending predicts used to
// hold the whole default pool and stall the host's file system, DNS and zlib calls.
#pragma once
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include <napi.h>

#include "compute_thread.h"

namespace ser_napi {

// What the compute thread and the environment share about one call's thread-safe function. Node
// deletes the function when its environment is torn down (a worker thread exits), even while the
// compute thread still holds it; from then on the compute thread must not touch it.
struct CallLink {
  std::mutex mutex;
  bool closed = false;
};

class PromiseWorker {
 public:
  explicit PromiseWorker(Napi::Env env);
  virtual ~PromiseWorker() = default;
  Napi::Promise promise() { return deferred_.Promise(); }
  // Hands the job to the shared compute thread, or to `lane`; the worker is deleted once the
  // Promise is settled, or once its environment is gone.
  void Queue();
  void Queue(ComputeLane& lane);

  // For work that several calls share (model_batcher.h), in this order: Open() on the JS thread;
  // then, on one native thread, Attempt() any number of times and Finish() once, which hands the
  // outcome to the JS thread (the worker may be gone as soon as Finish() is called).
  void Open();
  // Runs `step`; an exception becomes this call's error (the first one is kept).
  template <typename F>
  void Attempt(F&& step) {
    if (failed_) return;
    try {
      step();
    } catch (...) {
      Fail(std::current_exception());
    }
  }
  bool failed() const { return failed_; }
  void Finish();

 protected:
  virtual void Work() = 0;                        // compute thread
  virtual Napi::Value Result(Napi::Env env) = 0;  // JS thread, after Work succeeded

 private:
  // JS thread; env is null when the environment is torn down with the call still queued.
  static void Deliver(Napi::Env env, Napi::Function, CallLink*, PromiseWorker* worker);
  using Done = Napi::TypedThreadSafeFunction<CallLink, PromiseWorker, &PromiseWorker::Deliver>;

  void Run();  // compute thread: Work(), then Finish()
  void Fail(std::exception_ptr error);
  void Settle(Napi::Env env);  // JS thread
  Napi::Env env_;
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<CallLink> link_;
  Done done_;
  bool failed_ = false;
  std::string code_ = "ERR_LIBTORCH", message_;
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
