#include "label_range.h"

#include <cmath>

namespace ser_napi {

std::optional<ser::train::LabelRange> to_label_range(const Napi::Value& value) {
  if (!value.IsArray()) return std::nullopt;
  auto a = value.As<Napi::Array>();
  if (a.Length() != 2 || !a.Get(0u).IsNumber() || !a.Get(1u).IsNumber()) return std::nullopt;
  ser::train::LabelRange r;
  r.min = a.Get(0u).As<Napi::Number>().DoubleValue();
  r.max = a.Get(1u).As<Napi::Number>().DoubleValue();
  if (!std::isfinite(r.min) || !std::isfinite(r.max) || !(r.min < r.max)) return std::nullopt;
  return r;
}

}  // namespace ser_napi
