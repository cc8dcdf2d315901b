// decodeFiles / probeFiles: corpus work on ser-torch's loader threads (binding/core/corpus), so
// that files decode while the compute thread runs the model. Their Promises settle through a
// thread-safe function: no libuv pool thread waits on them.
#pragma once
#include <napi.h>

namespace ser_napi {

void register_corpus_bindings(Napi::Env env, Napi::Object exports);

}  // namespace ser_napi
