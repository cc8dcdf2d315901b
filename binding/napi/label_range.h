// A label range passed from JS: [min, max], two finite numbers with min < max. Shared by train()
// and readManifest() so that both accept exactly the same values.
#pragma once
#include <optional>

#include <napi.h>

#include "train/manifest.h"

namespace ser_napi {

// std::nullopt when `value` is not such an array; the caller throws with its own message.
std::optional<ser::train::LabelRange> to_label_range(const Napi::Value& value);

}  // namespace ser_napi
