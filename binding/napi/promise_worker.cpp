#include "promise_worker.h"

#include <exception>

#include "compute_thread.h"
#include "error.h"
#include "errors.h"

namespace ser_napi {

PromiseWorker::PromiseWorker(Napi::Env env) : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)) {}

void PromiseWorker::Execute() {
  try {
    run_on_compute_thread([this] { Work(); });
  } catch (const ser::Error& e) {
    code_ = ser::error_code_name(e.code());
    SetError(e.what());
  } catch (const std::bad_alloc&) {
    SetError("out of memory");
  } catch (const std::exception& e) {
    SetError(e.what());
  } catch (...) {
    SetError("unknown native error");
  }
}

void PromiseWorker::OnOK() {
  Napi::HandleScope scope(Env());
  try {
    deferred_.Resolve(Result(Env()));
  } catch (const Napi::Error& e) {
    deferred_.Reject(e.Value());
  }
}

void PromiseWorker::OnError(const Napi::Error& error) {
  Napi::HandleScope scope(Env());
  deferred_.Reject(make_error(Env(), code_, error.Message()).Value());
}

}  // namespace ser_napi
