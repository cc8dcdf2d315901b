#include "option_reader.h"

#include <cmath>

#include "errors.h"

namespace ser_napi {
namespace {

std::string type_name(const Napi::Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsArray()) return "an array";
  if (v.IsString()) return "a string";
  if (v.IsNumber()) return "a number";
  if (v.IsBoolean()) return "a boolean";
  if (v.IsFunction()) return "a function";
  return "an object";
}

std::string shown(double v) {
  if (std::isnan(v)) return "NaN";
  std::string s = std::to_string(v);
  while (s.find('.') != std::string::npos && (s.back() == '0' || s.back() == '.')) {
    const bool dot = s.back() == '.';
    s.pop_back();
    if (dot) break;
  }
  return s;
}

}  // namespace

OptionReader::OptionReader(const Napi::Value& options, std::string call) : env_(options.Env()), call_(std::move(call)) {
  if (options.IsUndefined() || options.IsNull()) return;
  if (!options.IsObject() || options.IsArray())
    throw make_error(env_, "ERR_INPUT", call_ + ": options must be an object, got " + type_name(options));
  object_ = options.As<Napi::Object>();
  present_ = true;
}

bool OptionReader::has(const char* key) const { return present_ && !object_.Get(key).IsUndefined(); }

Napi::Value OptionReader::raw(const char* key) const { return present_ ? object_.Get(key) : env_.Undefined(); }

void OptionReader::fail(const std::string& key, const std::string& message) const {
  throw make_error(env_, "ERR_INPUT", call_ + ": '" + key + "' " + message);
}

double OptionReader::number(const char* key, double fallback, double min, double max) const {
  if (!has(key)) return fallback;
  Napi::Value v = object_.Get(key);
  if (!v.IsNumber()) fail(key, "must be a number, got " + type_name(v));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d < min || d > max)
    fail(key, "must be a finite number in [" + shown(min) + ", " + shown(max) + "], got " + shown(d));
  return d;
}

int64_t OptionReader::integer(const char* key, int64_t fallback, int64_t min, int64_t max) const {
  if (!has(key)) return fallback;
  Napi::Value v = object_.Get(key);
  if (!v.IsNumber()) fail(key, "must be an integer, got " + type_name(v));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d || d < static_cast<double>(min) || d > static_cast<double>(max))
    fail(key, "must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "], got " + shown(d));
  return static_cast<int64_t>(d);
}

std::string OptionReader::text(const char* key, const std::string& fallback) const {
  if (!has(key)) return fallback;
  Napi::Value v = object_.Get(key);
  if (!v.IsString()) fail(key, "must be a string, got " + type_name(v));
  std::string s = v.As<Napi::String>().Utf8Value();
  if (s.find('\0') != std::string::npos) fail(key, "must not contain a NUL character");
  return s;
}

bool OptionReader::flag(const char* key, bool fallback) const {
  if (!has(key)) return fallback;
  Napi::Value v = object_.Get(key);
  if (!v.IsBoolean()) fail(key, "must be a boolean (true or false), got " + type_name(v));
  return v.As<Napi::Boolean>().Value();
}

}  // namespace ser_napi
