// Small string helpers: prefix and suffix tests for names (state-dict keys, file names), and
// numbers as messages show them.
#pragma once
#include <cstdio>
#include <string>

namespace ser {

inline bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}
inline bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// 1, 0.5, -3 rather than std::to_string's 1.000000.
inline std::string compact_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace ser
