// Process-wide warnings worth a user's attention (e.g. bf16 on hardware that emulates it), each
// recorded once; info() reports them.
#pragma once
#include <string>
#include <vector>

namespace ser::runtime {

// Records `message` unless it is already recorded; true when it is new.
bool warn_once(const std::string& message);
std::vector<std::string> recorded_warnings();

}  // namespace ser::runtime
