// Runs core work and turns libtorch's exceptions into ser::Error(ERR_LIBTORCH) without the C++
// backtrace that c10::Error::what() carries.
#pragma once
#include <new>
#include <string>

#include <c10/util/Exception.h>

#include "error.h"
#include "runtime/cpu_block_cache.h"

namespace ser {

template <typename F>
auto with_torch_errors(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error&) {
    throw;
  } catch (const c10::Error& e) {
    const std::string message = e.what_without_backtrace();
    if (message.find("can't allocate memory") != std::string::npos) runtime::release_memory_after_failure();
    throw Error(ErrorCode::Libtorch, message);
  } catch (const std::bad_alloc&) {
    runtime::release_memory_after_failure();
    throw Error(ErrorCode::Libtorch, "out of memory");
  }
}

}  // namespace ser
