#include "promise_worker.h"

#include <exception>
#include <memory>
#include <new>

#include "compute_thread.h"
#include "error.h"
#include "errors.h"

namespace ser_napi {

PromiseWorker::PromiseWorker(Napi::Env env) : env_(env), deferred_(Napi::Promise::Deferred::New(env)) {}

void PromiseWorker::Open() {
  link_ = std::make_shared<CallLink>();
  // The finalizer runs when Node deletes the function (released, or its environment torn down).
  auto* finalizer_link = new std::shared_ptr<CallLink>(link_);
  done_ = Done::New(
      env_, "ser-torch-compute", 0, 1, link_.get(),
      [](Napi::Env, std::shared_ptr<CallLink>* link, CallLink*) {
        {
          std::lock_guard<std::mutex> lock((*link)->mutex);
          (*link)->closed = true;
        }
        delete link;
      },
      finalizer_link);
}

void PromiseWorker::Queue() {
  Open();
  post_to_compute_thread([this] { Run(); });
}

void PromiseWorker::Queue(ComputeLane& lane) {
  Open();
  lane.post([this] { Run(); });
}

void PromiseWorker::Fail(std::exception_ptr error) {
  failed_ = true;
  try {
    std::rethrow_exception(error);
  } catch (const ser::Error& e) {
    code_ = ser::error_code_name(e.code());
    message_ = e.what();
  } catch (const std::bad_alloc&) {
    message_ = "out of memory";
  } catch (const std::exception& e) {
    message_ = e.what();
  } catch (...) {
    message_ = "unknown native error";
  }
}

void PromiseWorker::Run() {
  Attempt([this] { Work(); });
  Finish();
}

void PromiseWorker::Finish() {
  // `this` may be gone as soon as the call is queued: local copies only from here on. Holding the
  // link's lock keeps Node from deleting the function between the check and Release(); neither
  // call waits for the JS thread (the queue is unbounded).
  std::shared_ptr<CallLink> link = link_;
  Done done = done_;
  std::lock_guard<std::mutex> lock(link->mutex);
  if (link->closed) {
    delete this;  // the environment is gone: nobody waits for the Promise
    return;
  }
  if (done.BlockingCall(this) != napi_ok) {
    delete this;  // closing: the function must not be touched again, not even released
    return;
  }
  done.Release();
}

void PromiseWorker::Deliver(Napi::Env env, Napi::Function, CallLink*, PromiseWorker* worker) {
  if (env == nullptr) {
    delete worker;  // the environment is torn down with the call still queued
    return;
  }
  worker->Settle(env);
}

void PromiseWorker::Settle(Napi::Env env) {
  std::unique_ptr<PromiseWorker> self(this);
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
