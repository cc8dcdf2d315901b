// Typed errors of the core. The N-API layer maps each code to a JS error class.
#pragma once
#include <stdexcept>
#include <string>

namespace ser {

enum class ErrorCode { Config, Checkpoint, Audio, Input, Device, Libtorch, Aborted, Io, NoHead, Diverged, Busy };

// Stable string codes shared with the TypeScript error classes.
inline const char* error_code_name(ErrorCode c) {
  switch (c) {
    case ErrorCode::Config: return "ERR_CONFIG";
    case ErrorCode::Checkpoint: return "ERR_CHECKPOINT";
    case ErrorCode::Audio: return "ERR_AUDIO";
    case ErrorCode::Input: return "ERR_INPUT";
    case ErrorCode::Device: return "ERR_DEVICE";
    case ErrorCode::Aborted: return "ERR_ABORTED";
    case ErrorCode::Io: return "ERR_IO";
    case ErrorCode::NoHead: return "ERR_NO_HEAD";
    case ErrorCode::Diverged: return "ERR_DIVERGED";  // training: non-finite loss, gradient or weights
    case ErrorCode::Busy: return "ERR_BUSY";          // training: outDir is used by another run
    case ErrorCode::Libtorch: break;
  }
  return "ERR_LIBTORCH";
}

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

// Throws Error(code, "<where>: <what>"): where is the file (or file:line, or call) the problem is in.
[[noreturn]] inline void fail_at(ErrorCode code, const std::string& where, const std::string& what) {
  throw Error(code, where + ": " + what);
}

}  // namespace ser
