#include "audio/mpg123_quiet.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>

// libmpg123's ABI (mpg123.h, API 47): only what the interposer needs, so no mpg123 header is
// required to build.
struct mpg123_handle_struct;
using Mpg123New = mpg123_handle_struct* (*)(const char*, int*);
using Mpg123Param2 = int (*)(mpg123_handle_struct*, int, long, double);
namespace {
constexpr int kMpg123AddFlags = 2;   // enum mpg123_parms: MPG123_VERBOSE, MPG123_FLAGS, MPG123_ADD_FLAGS
constexpr long kMpg123Quiet = 0x20;  // enum mpg123_param_flags: MPG123_QUIET

struct Real {
  Mpg123New make = nullptr;
  Mpg123Param2 param = nullptr;
};

// The next definitions of these names in lookup order: libmpg123's own.
const Real& real() {
  static const Real r = [] {
    Real x;
    x.make = reinterpret_cast<Mpg123New>(::dlsym(RTLD_NEXT, "mpg123_new"));
    x.param = reinterpret_cast<Mpg123Param2>(::dlsym(RTLD_NEXT, "mpg123_param2"));
    return x;
  }();
  return r;
}

bool verbose() {
  const char* v = std::getenv("SER_TORCH_DECODER_VERBOSE");
  return v != nullptr && std::strcmp(v, "1") == 0;
}
}  // namespace

extern "C" __attribute__((visibility("default"))) mpg123_handle_struct* mpg123_new(const char* decoder, int* error) {
  const Real& r = real();
  if (r.make == nullptr) {
    if (error != nullptr) *error = 11;  // MPG123_BAD_HANDLE: libmpg123 is not loaded at all
    return nullptr;
  }
  mpg123_handle_struct* h = r.make(decoder, error);
  if (h != nullptr && r.param != nullptr && !verbose()) r.param(h, kMpg123AddFlags, kMpg123Quiet, 0.0);
  return h;
}

namespace ser::audio {

bool mp3_decoder_quiet() {
  const Real& r = real();
  return r.make != nullptr && r.param != nullptr && !verbose();
}

}  // namespace ser::audio
