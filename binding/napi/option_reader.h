// Reads an options object from JS strictly: a key left out (undefined) takes the default; a key
// with the wrong type or out of range throws ERR_INPUT naming the call and the option. (A silent
// fallback turned `freezeFeatureEncoder: 'false'` into true.)
#pragma once
#include <cstdint>
#include <string>

#include <napi.h>

namespace ser_napi {

class OptionReader {
 public:
  // `call` prefixes the messages, e.g. "train". A non-object (other than undefined/null) throws.
  OptionReader(const Napi::Value& options, std::string call);

  bool has(const char* key) const;
  double number(const char* key, double fallback, double min, double max) const;  // finite, in [min, max]
  int64_t integer(const char* key, int64_t fallback, int64_t min, int64_t max) const;
  std::string text(const char* key, const std::string& fallback) const;
  bool flag(const char* key, bool fallback) const;
  Napi::Value raw(const char* key) const;
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;

 private:
  Napi::Env env_;
  Napi::Object object_;
  bool present_ = false;
  std::string call_;
};

}  // namespace ser_napi
