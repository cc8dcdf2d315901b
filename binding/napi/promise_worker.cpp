#include "promise_worker.h"

#include <exception>
#include <memory>
#include <new>

#include "compute_thread.h"
#include "error.h"
#include "errors.h"

namespace ser_napi {

PromiseWorker::PromiseWorker(Napi::Env env) : env_(env), deferred_(Napi::Promise::Deferred::New(env)) {}

void PromiseWorker::Queue() {
  // No JS function: the callback settles the Promise. It keeps the loop alive until released,
  // as a pending AsyncWorker did.
  done_ = Napi::ThreadSafeFunction::New(env_, Napi::Function(), "ser-torch-compute", 0, 1);
  post_to_compute_thread([this] { Run(); });
}

void PromiseWorker::Run() {
  try {
    Work();
  } catch (const ser::Error& e) {
    failed_ = true;
    code_ = ser::error_code_name(e.code());
    message_ = e.what();
  } catch (const std::bad_alloc&) {
    failed_ = true;
    message_ = "out of memory";
  } catch (const std::exception& e) {
    failed_ = true;
    message_ = e.what();
  } catch (...) {
    failed_ = true;
    message_ = "unknown native error";
  }
  // `this` may be gone as soon as the call is queued: work on a copy of the handle.
  Napi::ThreadSafeFunction done = done_;
  const napi_status status = done.BlockingCall([this](Napi::Env env, Napi::Function) { Settle(env); });
  if (status != napi_ok) delete this;  // the environment is gone: nobody waits for the Promise
  done.Release();
}

void PromiseWorker::Settle(Napi::Env env) {
  std::unique_ptr<PromiseWorker> self(this);
  if (env == nullptr) return;
  Napi::HandleScope scope(env);
  if (failed_) {
    deferred_.Reject(make_error(env, code_, message_).Value());
    return;
  }
  try {
    deferred_.Resolve(Result(env));
  } catch (const Napi::Error& e) {
    deferred_.Reject(e.Value());
  }
}

}  // namespace ser_napi
