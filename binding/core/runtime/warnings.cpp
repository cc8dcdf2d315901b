#include "runtime/warnings.h"

#include <algorithm>
#include <mutex>

namespace ser::runtime {
namespace {
std::mutex g_mutex;
std::vector<std::string> g_warnings;
}  // namespace

bool warn_once(const std::string& message) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (std::find(g_warnings.begin(), g_warnings.end(), message) != g_warnings.end()) return false;
  g_warnings.push_back(message);
  return true;
}

std::vector<std::string> recorded_warnings() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_warnings;
}

}  // namespace ser::runtime
