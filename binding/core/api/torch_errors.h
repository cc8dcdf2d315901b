// Runs core work and turns libtorch's exceptions into ser::Error(ERR_LIBTORCH) without the C++
// backtrace that c10::Error::what() carries.
#pragma once
#include <new>

#include <c10/util/Exception.h>

#include "error.h"

namespace ser {

template <typename F>
auto with_torch_errors(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Error(ErrorCode::Libtorch, e.what_without_backtrace());
  } catch (const std::bad_alloc&) {
    throw Error(ErrorCode::Libtorch, "out of memory");
  }
}

}  // namespace ser
