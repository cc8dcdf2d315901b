// JS errors with a stable `code` property; lib/errors.ts turns them into the exported classes.
#pragma once
#include <string>

#include <napi.h>

namespace ser_napi {

Napi::Error make_error(Napi::Env env, const std::string& code, const std::string& message);

}  // namespace ser_napi
